"""The Merkle tree over the log as stored: perfect subtrees in ``TreeNode`` rows, read
O(log n) at a time for a root, an inclusion proof or a consistency proof."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

from eventstore import merkle
from eventstore.models import TreeNode


def nodes(wanted: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
    """The hashes of the given perfect subtrees, in one query; raises ``merkle.ProofError``
    if one is missing (the tree is shorter than asked, or rows were removed)."""
    wanted = list(wanted)
    found = {
        (level, index): bytes(hash_)
        for level, index, hash_ in TreeNode.objects.filter(pk__in=wanted).values_list(
            "level", "index", "hash"
        )
    }
    if missing := [node for node in wanted if node not in found]:
        level, index = missing[0]
        raise merkle.ProofError(f"the tree has no node at level {level} index {index}")
    return found


def root(size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    return merkle.range_hash(0, size, nodes(merkle.range_nodes(0, size)))


def inclusion_proof(index: int, size: int) -> list[bytes]:
    return merkle.proof_hashes(merkle.inclusion_ranges(index, size), nodes)


def inclusion_proofs(indexes: Iterable[int], size: int) -> dict[int, list[bytes]]:
    """Several leaves' inclusion proofs, with one read of all the subtrees they need."""
    ranges = {index: merkle.inclusion_ranges(index, size) for index in indexes}
    needed = {
        node for path in ranges.values() for lo, hi in path for node in merkle.range_nodes(lo, hi)
    }
    hashes = nodes(needed)
    return {
        index: [merkle.range_hash(lo, hi, hashes) for lo, hi in path]
        for index, path in ranges.items()
    }


def consistency_proof(old_size: int, new_size: int) -> list[bytes]:
    return merkle.proof_hashes(merkle.consistency_ranges(old_size, new_size), nodes)


def leaf_indexes(positions: Iterable[int]) -> dict[int, int]:
    """Where events (by position) sit in the tree; sealed events only."""
    return dict(
        TreeNode.objects.filter(level=0, position__in=list(positions)).values_list(
            "position", "index"
        )
    )


@dataclass
class Frontier:
    """The right edge of a tree: its perfect subtrees of decreasing size, left to right
    (one per set bit of the size). Appending leaves completes new subtrees from it."""

    size: int
    subtrees: list[tuple[int, int, bytes]]  # (level, index, hash)

    @classmethod
    def of(cls, size: int) -> Frontier:
        edge = merkle.range_nodes(0, size)
        hashes = nodes(edge)
        return cls(size, [(level, index, hashes[level, index]) for level, index in edge])

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; returns the subtrees it completes, the leaf first."""
        made = [(0, self.size, leaf)]
        self.subtrees.append(made[0])
        self.size += 1
        while len(self.subtrees) > 1 and self.subtrees[-1][0] == self.subtrees[-2][0]:
            (level, index, left), (_, _, right) = self.subtrees[-2:]
            del self.subtrees[-2:]
            parent = (level + 1, index >> 1, merkle.node_hash(left, right))
            self.subtrees.append(parent)
            made.append(parent)
        return made

    def root(self) -> bytes:
        if not self.subtrees:
            return merkle.EMPTY_ROOT
        return merkle.fold([hash_ for _, _, hash_ in self.subtrees])


def extend(size: int, leaves: Sequence[tuple[int, bytes]]) -> tuple[list[TreeNode], bytes]:
    """The rows that append ``leaves`` (event position, leaf hash) to the tree of ``size``
    leaves, and the new root."""
    frontier = Frontier.of(size)
    rows = []
    for position, leaf in leaves:
        for level, index, hash_ in frontier.append(leaf):
            rows.append(
                TreeNode(
                    level=level, index=index, hash=hash_, position=position if level == 0 else None
                )
            )
    return rows, frontier.root()


def store(rows: Sequence[TreeNode]) -> None:
    """Write new nodes: PostgreSQL's COPY (the sealer writes two rows per event), else
    ``bulk_create``."""
    if connection.vendor != "postgresql":
        TreeNode.objects.bulk_create(rows, batch_size=2000)
        return
    with (
        connection.cursor() as cursor,
        cursor.copy("COPY eventstore_tree_node (level, index, hash, position) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row((row.level, row.index, row.hash, row.position))

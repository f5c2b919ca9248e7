"""RFC 9162 Merkle trees (section 2.1): hashes, the shape of proofs, and their verification.

Standard library only: the offline verifier (``eventstore.verify_bundle``) runs it without
Django. Trees are addressed by *perfect subtrees*: ``(level, index)`` is the hash of the
leaves ``[index * 2**level, (index + 1) * 2**level)``. Every hash a proof needs is made of
O(log n) of them, so a store of perfect subtrees (``eventstore.tree``) answers any proof by
reading O(log n) rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

Node = tuple[int, int]  # (level, index) of a perfect subtree
Range = tuple[int, int]  # leaves [lo, hi)
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof that does not hold, with the reason."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (> 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The leaf ranges whose hashes make the inclusion proof of leaf ``index`` in a tree of
    ``size`` leaves (RFC 9162 PATH), from the leaf upwards."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    path = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo += k
    return path[::-1]


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """The leaf ranges whose hashes prove that the tree of ``new_size`` leaves extends the one
    of ``old_size`` (RFC 9162 SUBPROOF), innermost first."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"a tree of {new_size} leaves cannot extend one of {old_size}")
    if old_size in (0, new_size):
        return []
    proof = []
    lo, hi, m, complete = 0, new_size, old_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            proof.append((lo + k, hi))
            hi = lo + k
        else:
            proof.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        proof.append((lo, hi))
    return proof[::-1]


def range_nodes(lo: int, hi: int) -> list[Node]:
    """The perfect subtrees whose hashes make the hash of leaves ``[lo, hi)``, as RFC 9162
    splits such a range (``lo`` a multiple of the range's largest power of two, as in every
    range of a proof and in ``[0, size)``)."""
    nodes = []
    while hi > lo:
        size = hi - lo
        k = size if size & (size - 1) == 0 else _split(size)
        level = k.bit_length() - 1
        nodes.append((level, lo >> level))
        lo += k
    return nodes


def range_hash(lo: int, hi: int, hashes: Mapping[Node, bytes]) -> bytes:
    """The RFC 9162 hash of leaves ``[lo, hi)`` from the hashes of its ``range_nodes``."""
    parts = [hashes[node] for node in range_nodes(lo, hi)]
    if not parts:
        raise ProofError("an empty range has no hash")
    return fold(parts)


def fold(parts: Sequence[bytes]) -> bytes:
    """The hash of consecutive perfect subtrees of decreasing size, left to right: each one
    is the left sibling of the hash of those after it."""
    acc = parts[-1]
    for part in reversed(parts[:-1]):
        acc = node_hash(part, acc)
    return acc


def proof_hashes(
    ranges: Iterable[Range], lookup: Callable[[Iterable[Node]], Mapping[Node, bytes]]
) -> list[bytes]:
    """The hashes of a proof's ranges, with one ``lookup`` of all the subtrees they need."""
    ranges = list(ranges)
    hashes = lookup({node for lo, hi in ranges for node in range_nodes(lo, hi)})
    return [range_hash(lo, hi, hashes) for lo, hi in ranges]


def root_of(leaves: Sequence[bytes]) -> bytes:
    """The tree hash of a list of leaf hashes (RFC 9162 MTH), computed directly."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 2.1.3.2: raises ``ProofError`` unless ``leaf`` is leaf ``index`` of the tree of
    ``size`` leaves whose hash is ``root``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree is deep")
    if r != root:
        raise ProofError("the inclusion proof does not lead to the tree's root hash")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 2.1.4.2: raises ``ProofError`` unless the tree of ``new_size`` leaves with hash
    ``new_root`` begins with the tree of ``old_size`` leaves with hash ``old_root``."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"a tree of {new_size} leaves cannot extend one of {old_size}")
    if old_size == 0:
        return  # every tree extends the empty one
    if old_size == new_size:
        if proof:
            raise ProofError("a tree's consistency with itself needs no proof")
        if old_root != new_root:
            raise ProofError("two root hashes for the same tree size: the log was rewritten")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the tree is deep")
    if fr != old_root:
        raise ProofError("the consistency proof does not lead to the older root hash")
    if sr != new_root:
        raise ProofError("the consistency proof does not lead to the newer root hash")

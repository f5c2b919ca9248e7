"""RFC 9162 proofs: made from stored subtrees, checked by the RFC's verification algorithms
against trees computed directly from their leaves."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventstore import merkle


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(n)]


def _subtrees(leaves: list[bytes]) -> dict[merkle.Node, bytes]:
    """Every perfect subtree of the leaves, as a node store holds them."""
    nodes = {(0, i): h for i, h in enumerate(leaves)}
    level, row = 0, leaves
    while len(row) > 1:
        row = [merkle.node_hash(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)]
        level += 1
        nodes.update({(level, i): h for i, h in enumerate(row)})
    return nodes


def _lookup(nodes: dict[merkle.Node, bytes]):
    def lookup(wanted):
        return {node: nodes[node] for node in wanted}

    return lookup


def test_root_of_known_trees() -> None:
    a, b, c = _leaves(3)
    assert merkle.root_of([]) == hashlib.sha256(b"").digest()
    assert merkle.root_of([a]) == a
    assert merkle.root_of([a, b, c]) == merkle.node_hash(merkle.node_hash(a, b), c)


@given(size=st.integers(1, 300), data=st.data())
def test_inclusion_proofs_from_subtrees_verify(size: int, data: st.DataObject) -> None:
    leaves = _leaves(size)
    nodes = _subtrees(leaves)
    root = merkle.root_of(leaves)
    assert merkle.range_hash(0, size, nodes) == root
    index = data.draw(st.integers(0, size - 1))
    proof = merkle.proof_hashes(merkle.inclusion_ranges(index, size), _lookup(nodes))
    assert len(proof) <= size.bit_length()
    merkle.verify_inclusion(index, size, leaves[index], proof, root)
    other = data.draw(st.integers(0, size - 1))
    if leaves[other] != leaves[index]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(index, size, leaves[other], proof, root)
    if proof:
        bent = data.draw(st.integers(0, len(proof) - 1))
        forged = [*proof[:bent], b"\x00" * 32, *proof[bent + 1 :]]
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(index, size, leaves[index], forged, root)
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(index, size, leaves[index], proof[:-1], root)


@given(new=st.integers(1, 300), data=st.data())
def test_consistency_proofs_from_subtrees_verify(new: int, data: st.DataObject) -> None:
    old = data.draw(st.integers(1, new))
    leaves = _leaves(new)
    nodes = _subtrees(leaves)
    old_root, new_root = merkle.root_of(leaves[:old]), merkle.root_of(leaves)
    proof = merkle.proof_hashes(merkle.consistency_ranges(old, new), _lookup(nodes))
    assert len(proof) <= 2 * new.bit_length()
    merkle.verify_consistency(old, new, old_root, new_root, proof)
    if old < new:
        # A rewritten history: the old tree's last leaf changed.
        rewritten = [*leaves[: old - 1], merkle.leaf_hash(b"forged"), *leaves[old:]]
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(
                old, new, old_root, merkle.root_of(rewritten),
                merkle.proof_hashes(
                    merkle.consistency_ranges(old, new), _lookup(_subtrees(rewritten))
                ),
            )  # fmt: skip
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(old, new, old_root, new_root, proof[:-1])


def test_a_tree_is_consistent_only_with_its_own_root() -> None:
    a, b = _leaves(2)
    merkle.verify_consistency(2, 2, merkle.root_of([a, b]), merkle.root_of([a, b]), [])
    with pytest.raises(merkle.ProofError, match="rewritten"):
        merkle.verify_consistency(2, 2, merkle.root_of([a, b]), merkle.root_of([b, a]), [])
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_ranges(2, 2)


@given(size=st.integers(0, 200), more=st.integers(1, 70))
def test_the_stored_frontier_makes_every_subtree_once_and_the_same_roots(size, more):
    from eventstore.tree import Frontier

    leaves = _leaves(size + more)
    frontier, made = Frontier(0, []), {}
    for leaf in leaves[:size]:
        made.update({(level, index): h for level, index, h in frontier.append(leaf)})
    assert frontier.root() == merkle.root_of(leaves[:size])
    # Resumed from its stored edge, as the sealer does, it goes on the same way.
    resumed = Frontier(size, [(lv, ix, made[lv, ix]) for lv, ix in merkle.range_nodes(0, size)])
    for leaf in leaves[size:]:
        made.update({(level, index): h for level, index, h in resumed.append(leaf)})
    assert resumed.root() == merkle.root_of(leaves)
    assert made == _subtrees(leaves)

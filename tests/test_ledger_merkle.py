"""The ledger's Merkle log: RFC 6962's published vectors, and every proof up to 40 leaves.

The vectors are the eight-leaf tree of RFC 6962's reference implementations (Certificate
Transparency, transparency-dev/merkle); leaf indices below are 0-based.
"""

from __future__ import annotations

import hashlib

import pytest

from newsmon.ledger import merkle
from newsmon.ledger.tree import MerkleTree, consistency_proof, inclusion_proof

LEAF_DATA = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [  # MTH(D[n]) for n = 0..8
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
H96A2 = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
H5F08 = "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
H6B47 = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
HBC1A = "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
HCA85 = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"
H0EBC = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"
HB086 = "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"
INCLUSION = [  # (index, size, path)
    (0, 1, []),
    (0, 8, [H96A2, H5F08, H6B47]),
    (5, 8, [HBC1A, HCA85, ROOTS[4]]),
    (2, 3, [ROOTS[2]]),
    (1, 5, [ROOTS[1], H5F08, HBC1A]),
]
CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (1, 8, [H96A2, H5F08, H6B47]),
    (6, 8, [H0EBC, HCA85, ROOTS[4]]),
    (2, 5, [H5F08, HBC1A]),
    (6, 7, [H0EBC, HB086, ROOTS[4]]),
]
VECTOR_LEAVES = [merkle.leaf_hash(d) for d in LEAF_DATA]


def hexes(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(hashlib.sha256(b"record %d" % i).digest()) for i in range(n)]


def flipped(h: bytes) -> bytes:
    return bytes([h[0] ^ 1]) + h[1:]


def test_roots_match_rfc6962_vectors_by_every_route() -> None:
    for n, expected in enumerate(ROOTS):
        appended = MerkleTree()
        for leaf in VECTOR_LEAVES[:n]:
            appended.append(leaf)
        assert merkle.root(VECTOR_LEAVES[:n]).hex() == expected, n
        assert MerkleTree.from_leaf_hashes(VECTOR_LEAVES[:n]).root().hex() == expected, n
        assert appended.root().hex() == expected, n
        assert MerkleTree.from_leaf_hashes(VECTOR_LEAVES).root(n).hex() == expected, n


def test_inclusion_proofs_match_rfc6962_vectors() -> None:
    for index, size, path in INCLUSION:
        assert hexes(inclusion_proof(index, VECTOR_LEAVES[:size])) == path
        proof = [bytes.fromhex(h) for h in path]
        root = bytes.fromhex(ROOTS[size])
        assert merkle.verify_inclusion(index, size, VECTOR_LEAVES[index], proof, root)


def test_consistency_proofs_match_rfc6962_vectors() -> None:
    for old, new, path in CONSISTENCY:
        assert hexes(consistency_proof(old, VECTOR_LEAVES[:new])) == path
        proof = [bytes.fromhex(h) for h in path]
        assert merkle.verify_consistency(
            old, new, bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new]), proof
        )


def test_every_inclusion_proof_up_to_40_leaves_verifies_and_tampering_fails() -> None:
    all_leaves = leaves(40)
    tree = MerkleTree.from_leaf_hashes(all_leaves)
    stranger = merkle.leaf_hash(b"a record never logged")
    for size in range(1, 41):
        root = tree.root(size)
        assert root == merkle.root(all_leaves[:size])
        for index in range(size):
            leaf, path = all_leaves[index], tree.inclusion_proof(index, size)
            assert merkle.verify_inclusion(index, size, leaf, path, root), (index, size)
            assert not merkle.verify_inclusion(index, size, stranger, path, root)
            assert not merkle.verify_inclusion(index, size, leaf, path, flipped(root))
            assert not merkle.verify_inclusion(index, size, leaf, [*path, root], root)
            # the size is bound by the signed checkpoint: the root of another size fails
            assert not merkle.verify_inclusion(index, size, leaf, path, tree.root(size - 1))
            assert not merkle.verify_inclusion(size, size, leaf, path, root)
            for k in range(len(path)):
                bent = [*path[:k], flipped(path[k]), *path[k + 1 :]]
                assert not merkle.verify_inclusion(index, size, leaf, bent, root)
            if path:
                assert not merkle.verify_inclusion(index, size, leaf, path[:-1], root)
            for claimed in range(index + 1, 41):  # a path of another shape for that size
                if len(tree.inclusion_proof(index, claimed)) != len(path):
                    assert not merkle.verify_inclusion(index, claimed, leaf, path, root)
            if size > 1:
                other = (index + 1) % size
                assert not merkle.verify_inclusion(other, size, leaf, path, root)


def test_every_consistency_proof_up_to_40_leaves_verifies_and_tampering_fails() -> None:
    all_leaves = leaves(40)
    tree = MerkleTree.from_leaf_hashes(all_leaves)
    roots = [tree.root(n) for n in range(41)]
    for new in range(1, 41):
        for old in range(1, new + 1):
            proof = tree.consistency_proof(old, new)
            assert merkle.verify_consistency(old, new, roots[old], roots[new], proof), (old, new)
            assert not merkle.verify_consistency(old, new, flipped(roots[old]), roots[new], proof)
            assert not merkle.verify_consistency(old, new, roots[old], flipped(roots[new]), proof)
            assert not merkle.verify_consistency(
                old, new, roots[old], roots[new], [*proof, roots[0]]
            )
            for k in range(len(proof)):
                bent = [*proof[:k], flipped(proof[k]), *proof[k + 1 :]]
                assert not merkle.verify_consistency(old, new, roots[old], roots[new], bent)
            if proof:
                assert not merkle.verify_consistency(old, new, roots[old], roots[new], proof[:-1])
            for claimed in range(old, 41):  # a proof of another shape for that size
                if len(tree.consistency_proof(old, claimed)) != len(proof):
                    assert not merkle.verify_consistency(
                        old, claimed, roots[old], roots[new], proof
                    )
            if old < new:
                assert not merkle.verify_consistency(new, old, roots[new], roots[old], proof)
                assert not merkle.verify_consistency(old, new, roots[old], roots[new - 1], proof)


def test_a_rewritten_leaf_cannot_be_shown_consistent_with_an_old_checkpoint() -> None:
    honest = leaves(20)
    old_root = merkle.root(honest[:13])  # a checkpoint a journalist kept
    forged = list(honest)
    forged[7] = merkle.leaf_hash(b"a quietly edited version")
    forged_tree = MerkleTree.from_leaf_hashes(forged)
    proof = forged_tree.consistency_proof(13)
    assert not merkle.verify_consistency(13, 20, old_root, forged_tree.root(), proof)
    honest_tree = MerkleTree.from_leaf_hashes(honest)
    assert merkle.verify_consistency(
        13, 20, old_root, honest_tree.root(), honest_tree.consistency_proof(13)
    )


def test_a_grown_tree_still_proves_its_earlier_sizes() -> None:
    grown = MerkleTree()
    for n, leaf in enumerate(leaves(33), start=1):
        grown.append(leaf)
        assert grown.root() == merkle.root(leaves(n))
    snapshot = MerkleTree.from_leaf_hashes(leaves(33))
    for size in (1, 5, 16, 17, 33):
        for index in range(size):
            assert grown.inclusion_proof(index, size) == snapshot.inclusion_proof(index, size)


def test_sizes_outside_the_tree_are_refused() -> None:
    tree = MerkleTree.from_leaf_hashes(leaves(5))
    with pytest.raises(ValueError):
        tree.inclusion_proof(5)
    with pytest.raises(ValueError):
        tree.root(6)
    with pytest.raises(ValueError):
        tree.consistency_proof(6)
    with pytest.raises(ValueError):
        tree.append(b"short")
    assert tree.consistency_proof(0) == []
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, tree.root(), [])
    assert not merkle.verify_inclusion(0, 0, leaves(1)[0], [], merkle.EMPTY_ROOT)

"""An append-only Merkle log in the RFC 6962 / RFC 9162 shape: hashing, roots and proofs.

Leaves are hashed as SHA-256(0x00 || data) and interior nodes as SHA-256(0x01 || left ||
right); a tree of n leaves splits at the largest power of two below n (Certificate
Transparency's shape), so every subtree a proof names is either a *perfect* subtree (2^level
leaves starting at a multiple of 2^level), whose hash never changes once its last leaf is
appended, or a right edge made of perfect subtrees. Proof generation therefore needs only a
`NodeReader`: a function `(level, index) -> hash` of perfect subtrees, which an in-memory
`MerkleTree` provides here and a database table of completed nodes can provide later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 6962: MTH({}) = SHA-256 of the empty string

NodeReader = Callable[[int, int], bytes]
"""Hash of the perfect subtree at (level, index): leaves [index * 2^level, (index+1) * 2^level)."""


def leaf_hash(data: bytes) -> bytes:
    """MTH of one entry: SHA-256(0x00 || data); the prefix keeps leaves and nodes apart."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH of a stream of leaf hashes in one pass, O(n) time and O(log n) memory.

    A stack holds the perfect subtrees of the leaves so far (one per set bit of the count);
    at the end they are folded right to left, which is the RFC 6962 split rule.
    """
    stack: list[bytes] = []
    for count, h in enumerate(leaf_hashes, start=1):
        stack.append(h)
        carry = count
        while carry & 1 == 0:
            right = stack.pop()
            stack.append(node_hash(stack.pop(), right))
            carry >>= 1
    if not stack:
        return EMPTY_ROOT
    acc = stack.pop()
    while stack:
        acc = node_hash(stack.pop(), acc)
    return acc


def _split(width: int) -> int:
    """The largest power of two strictly below `width` (width >= 2)."""
    return 1 << ((width - 1).bit_length() - 1)


def range_root(start: int, end: int, node: NodeReader) -> bytes:
    """MTH(D[start:end]) for a range the RFC 6962 recursion visits, from perfect subtrees.

    Such a range is cut, left to right, into the largest aligned perfect subtrees that fit;
    their sizes fall, and folding them right to left gives the recursive definition's hash.
    """
    if end <= start:
        raise ValueError(f"empty range [{start}, {end})")
    parts: list[bytes] = []
    at = start
    while at < end:
        fit = (end - at).bit_length() - 1
        level = fit if at == 0 else min(fit, (at & -at).bit_length() - 1)
        parts.append(node(level, at >> level))
        at += 1 << level
    acc = parts.pop()
    while parts:
        acc = node_hash(parts.pop(), acc)
    return acc


def inclusion_path(index: int, size: int, node: NodeReader) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 2.1.3.1, ordered from the leaf's sibling up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(range_root(lo + k, hi, node))
            hi = lo + k
        else:
            path.append(range_root(lo, lo + k, node))
            lo += k
    path.reverse()
    return path


def consistency_path(old: int, new: int, node: NodeReader) -> list[bytes]:
    """PROOF(old, D[new]) of RFC 9162 2.1.4.1: shows the tree of `old` leaves is a prefix."""
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    if old in (0, new):
        return []
    proof: list[bytes] = []
    lo, hi, whole = 0, new, True
    while old != hi:
        k = _split(hi - lo)
        if old - lo <= k:
            proof.append(range_root(lo + k, hi, node))
            hi = lo + k
        else:
            proof.append(range_root(lo, lo + k, node))
            lo += k
            whole = False
    if not whole:
        proof.append(range_root(lo, hi, node))
    proof.reverse()
    return proof


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: does `path` lead from `leaf` at `index` to the root of `size` leaves?"""
    if not 0 <= index < size:
        return False
    fn, sn, acc = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            acc = node_hash(sibling, acc)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            acc = node_hash(acc, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and acc == expected_root


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: is the tree of `old` leaves (`old_root`) a prefix of `new_root`'s?"""
    if not 0 <= old <= new:
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0:
        return not proof  # every tree extends the empty one
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is itself a node of the new tree
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    old_acc = new_acc = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            old_acc = node_hash(c, old_acc)
            new_acc = node_hash(c, new_acc)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            new_acc = node_hash(new_acc, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and old_acc == old_root and new_acc == new_root

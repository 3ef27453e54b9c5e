"""An in-memory Merkle log that keeps every perfect subtree, for fast roots and proofs.

Level k holds, packed 32 bytes apiece in one bytearray, the hashes of the completed subtrees
of 2^k leaves. That is at most 2n hashes (64 MB for a million leaves, not 150 MB of `bytes`
objects), built level by level in O(n) from contiguous pairs, and it is exactly what a
database table of completed nodes would hold: `node(level, index)` is the `NodeReader` the
proof functions in `merkle` take, so any size up to the current one can be proven.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from newsmon.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    consistency_path,
    inclusion_path,
    node_hash,
    range_root,
)


class MerkleTree:
    """Append-only leaf hashes with all perfect subtree hashes kept per level."""

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Iterable[bytes]) -> MerkleTree:
        """Build from leaf hashes in log order, a level at a time (no per-leaf bookkeeping)."""
        tree = cls()
        level = bytearray(b"".join(leaf_hashes))
        if len(level) % HASH_SIZE:
            raise ValueError("leaf hashes must be 32 bytes each")
        tree._levels = [level]
        pair = 2 * HASH_SIZE
        while len(level) >= pair:
            sha = hashlib.sha256
            level = bytearray(
                b"".join(
                    sha(b"\x01" + level[at : at + pair]).digest()
                    for at in range(0, len(level) - pair + 1, pair)
                )
            )
            tree._levels.append(level)
        return tree

    @property
    def size(self) -> int:
        """How many leaves the log holds."""
        return len(self._levels[0]) // HASH_SIZE

    def append(self, leaf: bytes) -> int:
        """Add one leaf hash; completes the perfect subtrees it closes. Returns its index."""
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        index = self.size
        self._levels[0] += leaf
        level, at = 0, index
        while at & 1:
            left = self.node(level, at - 1)
            parent = node_hash(left, self.node(level, at))
            level += 1
            if level == len(self._levels):
                self._levels.append(bytearray())
            self._levels[level] += parent
            at >>= 1
        return index

    def node(self, level: int, index: int) -> bytes:
        """Hash of the perfect subtree at (level, index); a `NodeReader`."""
        start = index * HASH_SIZE
        if level >= len(self._levels) or start + HASH_SIZE > len(self._levels[level]):
            raise IndexError(f"no completed subtree at level {level}, index {index}")
        return bytes(self._levels[level][start : start + HASH_SIZE])

    def leaf(self, index: int) -> bytes:
        """The leaf hash at `index`."""
        return self.node(0, index)

    def root(self, size: int | None = None) -> bytes:
        """The root of the first `size` leaves (all of them by default)."""
        size = self.size if size is None else self._check_size(size)
        return EMPTY_ROOT if size == 0 else range_root(0, size, self.node)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Audit path of leaf `index` in the tree of the first `size` leaves."""
        size = self.size if size is None else self._check_size(size)
        return inclusion_path(index, size, self.node)

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        """Proof that the tree of `old` leaves is a prefix of the tree of `new` leaves."""
        new = self.size if new is None else self._check_size(new)
        return consistency_path(old, new, self.node)

    def _check_size(self, size: int) -> int:
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} is not between 0 and {self.size}")
        return size


def inclusion_proof(index: int, leaf_hashes: Iterable[bytes]) -> list[bytes]:
    """Audit path of leaf `index` among all of `leaf_hashes` (builds a tree: O(n))."""
    return MerkleTree.from_leaf_hashes(leaf_hashes).inclusion_proof(index)


def consistency_proof(old: int, leaf_hashes: Iterable[bytes]) -> list[bytes]:
    """Consistency proof from the first `old` of `leaf_hashes` to all of them."""
    return MerkleTree.from_leaf_hashes(leaf_hashes).consistency_proof(old)

"""Merkle log benchmark: roots and proofs over a million leaves, against plain hashing.

Run on demand: `python bench/merkle.py [LEAVES] [PROOFS]` (default 1,000,000 and 1,000).
The baseline is the floor any tree pays: hashing each record hash into its leaf hash,
once, in this process. Every other line prints its rate and its time as a multiple of
that baseline, so the figures compare across machines. A tree is about two hashes per
leaf (leaf plus interior), so O(n) building shows as a ratio near 1-2; an inclusion proof
reads O(log n) stored nodes and should cost microseconds, not a pass over the leaves.
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsmon.ledger import merkle
from newsmon.ledger.tree import MerkleTree


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main(n: int = 1_000_000, proofs: int = 1_000) -> None:
    records = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(n)]
    base, leaves = timed(lambda: [merkle.leaf_hash(r) for r in records])
    print(f"baseline: {n:,} leaf hashes in {base:.2f} s ({n / base:,.0f}/s)")

    def line(label: str, seconds: float, count: int, unit: str) -> None:
        rate = f"{count / seconds:,.0f} {unit}/s"
        print(f"{label}: {seconds:.3f} s, {rate}, {seconds / base:.2f}x baseline")

    seconds, streamed = timed(lambda: merkle.root(leaves))
    line("root, one streaming pass (O(log n) memory)", seconds, n, "leaves")
    seconds, tree = timed(lambda: MerkleTree.from_leaf_hashes(leaves))
    line("tree with all perfect subtrees, level by level", seconds, n, "leaves")
    assert tree.root() == streamed
    grown = MerkleTree()
    seconds, _ = timed(lambda: [grown.append(leaf) for leaf in leaves])
    line("tree grown one append at a time", seconds, n, "leaves")
    assert grown.root() == streamed

    rng = random.Random(6962)
    picks = [rng.randrange(n) for _ in range(proofs)]
    seconds, paths = timed(lambda: [tree.inclusion_proof(i) for i in picks])
    line(f"{proofs:,} inclusion proofs from stored nodes", seconds, proofs, "proofs")
    root = tree.root()
    checks = zip(picks, paths, strict=True)
    seconds, ok = timed(
        lambda: all(merkle.verify_inclusion(i, n, leaves[i], p, root) for i, p in checks)
    )
    line(f"{proofs:,} inclusion proofs verified", seconds, proofs, "proofs")
    assert ok
    olds = [rng.randrange(1, n) for _ in range(proofs)]
    seconds, _ = timed(lambda: [tree.consistency_proof(m) for m in olds])
    line(f"{proofs:,} consistency proofs from stored nodes", seconds, proofs, "proofs")
    seconds, _ = timed(lambda: [tree.root(m) for m in olds])
    line(f"{proofs:,} roots of earlier sizes", seconds, proofs, "roots")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))

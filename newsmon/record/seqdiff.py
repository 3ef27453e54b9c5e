"""Bounded sequence matching: the opcodes of two sequences at a cost the caller budgets. Pure.

difflib's SequenceMatcher makes the readable diffs newsmon shows, but its work grows with
the product of the two lengths, and on repetitive text faster still (one word repeated,
one word in seven changed: 8 ms at 100 words a side, 0.7 s at 400, 5 s at 800). So it
only ever sees small regions. Equal heads and tails are trimmed first (one changed word
in 12,000 costs one comparison); elements found exactly once on each side anchor the
rest, as in patience diff (Bram Cohen's), so a long text with a few edits splits into
small regions around them; a region that is still too big, or that the page's budget can
no longer pay for, is handed back as `coarse`, for the caller to compare at a coarser
grain or as a whole.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

Opcode = tuple[str, int, int, int, int]

# At most this many element pairs in one SequenceMatcher call: 200 tokens (about 100
# words) a side. Its worst case there, one word repeated, is about 10 ms on this
# project's machine; ordinary text of that size takes 1-2 ms.
REGION_CELLS = 40_000
# Element pairs one page's diff may compare in all (matcher regions, anchoring passes,
# paragraph similarities): at the worst case's rate about half a second of CPU a page,
# and ordinary article edits use a few thousand.
PAGE_CELLS = 2_000_000


@dataclass
class Budget:
    """What one diff may still spend, in element pairs compared.

    Shared by all the paragraphs of a page, so many medium paragraphs cannot add up to
    a slow page. `coarse` counts the regions given up as too big to compare finely.
    """

    cells: int = PAGE_CELLS
    spent: int = 0
    coarse: int = 0

    def afford(self, cost: int) -> bool:
        """Spend `cost` if the budget still holds it."""
        if self.spent + cost > self.cells:
            return False
        self.spent += cost
        return True


def opcodes(
    a: Sequence[Hashable],
    b: Sequence[Hashable],
    budget: Budget,
    *,
    region_cells: int = REGION_CELLS,
) -> list[Opcode]:
    """difflib-style opcodes turning `a` into `b`, in order, adjacent changes merged.

    Tags are `equal`, `replace`, `delete`, `insert`, and `coarse`: a region not compared
    (too big for `region_cells` with nothing unique to anchor on, or past the budget).
    """
    out: list[Opcode] = []
    # A stack of work in reverse reading order: regions to compare, or opcodes to emit.
    stack: list[Opcode] = [("region", 0, len(a), 0, len(b))]
    while stack:
        tag, i1, i2, j1, j2 = stack.pop()
        if tag != "region":
            out.append((tag, i1, i2, j1, j2))
            continue
        head = 0
        while i1 + head < i2 and j1 + head < j2 and a[i1 + head] == b[j1 + head]:
            head += 1
        tail = 0
        while (
            i2 - tail > i1 + head and j2 - tail > j1 + head and a[i2 - 1 - tail] == b[j2 - 1 - tail]
        ):
            tail += 1
        if head:
            out.append(("equal", i1, i1 + head, j1, j1 + head))
        if tail:
            stack.append(("equal", i2 - tail, i2, j2 - tail, j2))
        stack.extend(
            reversed(
                _middle(a, b, (i1 + head, i2 - tail, j1 + head, j2 - tail), budget, region_cells)
            )
        )
    return _merge(out)


def _middle(
    a: Sequence[Hashable],
    b: Sequence[Hashable],
    region: tuple[int, int, int, int],
    budget: Budget,
    region_cells: int,
) -> list[Opcode]:
    """A region whose ends differ: compared exactly, split at anchors, or left coarse."""
    i1, i2, j1, j2 = region
    n, m = i2 - i1, j2 - j1
    if not n and not m:
        return []
    if not n or not m:
        return [("insert" if not n else "delete", i1, i2, j1, j2)]
    if n * m <= region_cells and budget.afford(n * m):
        matcher = SequenceMatcher(None, a[i1:i2], b[j1:j2], autojunk=False)
        return [(t, i1 + p, i1 + q, j1 + r, j1 + s) for t, p, q, r, s in matcher.get_opcodes()]
    anchors = _anchors(a, b, region) if budget.afford(n + m) else []
    if not anchors:
        return [("coarse", i1, i2, j1, j2)]
    work: list[Opcode] = []
    pi, pj = i1, j1
    for i, j in anchors:
        work.append(("region", pi, i, pj, j))
        work.append(("equal", i, i + 1, j, j + 1))
        pi, pj = i + 1, j + 1
    work.append(("region", pi, i2, pj, j2))
    return work


def _anchors(
    a: Sequence[Hashable], b: Sequence[Hashable], region: tuple[int, int, int, int]
) -> list[tuple[int, int]]:
    """Elements found once on each side of the region, the longest run of them in the same
    order on both sides (patience sorting, n log n)."""
    i1, i2, j1, j2 = region
    in_a, in_b = Counter(a[i1:i2]), Counter(b[j1:j2])
    where_b = {b[j]: j for j in range(j1, j2) if in_b[b[j]] == 1}
    pairs = [(i, where_b[a[i]]) for i in range(i1, i2) if in_a[a[i]] == 1 and a[i] in where_b]
    tops: list[int] = []  # the smallest j ending an increasing run of each length
    ends: list[int] = []  # index in `pairs` of that run's last pair
    back: list[int] = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        length = bisect.bisect_left(tops, j)
        if length == len(tops):
            tops.append(j)
            ends.append(k)
        else:
            tops[length], ends[length] = j, k
        back[k] = ends[length - 1] if length else -1
    run: list[tuple[int, int]] = []
    k = ends[-1] if ends else -1
    while k >= 0:
        run.append(pairs[k])
        k = back[k]
    return run[::-1]


def _merge(ops: list[Opcode]) -> list[Opcode]:
    """Adjacent equal runs become one; adjacent changes become one replace, insert or delete
    (coarse regions stay apart: the caller compares each another way)."""
    out: list[Opcode] = []
    for op in ops:
        tag, i1, i2, j1, j2 = op
        if i1 == i2 and j1 == j2:
            continue
        if out:
            last = out[-1]
            both_equal = tag == last[0] == "equal"
            both_changes = "equal" not in (tag, last[0]) and "coarse" not in (tag, last[0])
            if both_equal or both_changes:
                i0, j0 = last[1], last[3]
                out[-1] = (tag if both_equal else _change_tag(i0, i2, j0, j2), i0, i2, j0, j2)
                continue
        out.append(op if tag in ("equal", "coarse") else (_change_tag(i1, i2, j1, j2), *op[1:]))
    return out


def _change_tag(i1: int, i2: int, j1: int, j2: int) -> str:
    if i1 == i2:
        return "insert"
    return "delete" if j1 == j2 else "replace"

"""The diff model: paragraphs aligned, words compared inside changed paragraphs. Pure.

Built on difflib's SequenceMatcher, which makes readable diffs, fed only regions small
enough for it (newsmon.record.seqdiff): the work of one diff is bounded by a budget, so a
hostile page (12,000 words in one paragraph, or 16,000 identical paragraphs) costs
a fraction of a second, not minutes. Past the budget a stretch is compared sentence by
sentence, then shown replaced whole; `TextDiff.coarse` says when that happened.
Renderers (web page, feed, terminal) read these objects; nothing here knows about HTML.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from newsmon.record import seqdiff
from newsmon.record.seqdiff import Budget, Opcode

Op = Literal["equal", "insert", "delete"]
Kind = Literal["equal", "changed", "added", "removed"]

# Scripts written without spaces between words: each character is a token, so one
# changed character is one changed character, not a whole paragraph. Thai keeps its
# combining vowel and tone marks with the letter they sit on.
_UNSPACED = (
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\U00020000-\U0003134f"  # CJK extensions
)
_MARKS = "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u0eb1\u0eb4-\u0ebc\u0ec8-\u0ecd\u0300-\u036f"
_UNSPACED_CHAR = f"[{_UNSPACED}][{_MARKS}]*"
_TOKENS = re.compile(rf"{_UNSPACED_CHAR}|[^\W{_UNSPACED}]+|[^\w\s]|\s+")
_WORD = re.compile(rf"{_UNSPACED_CHAR}|[^\W{_UNSPACED}]+")
_HAS_UNSPACED = re.compile(f"[{_UNSPACED}]")
_PAIR_THRESHOLD = 0.45
_MAX_ALIGN_CELLS = 4000
_ISLAND_TOKENS = 3  # a word and the spaces around it
_FULL_STOPS = frozenset(".!?…")
_FULL_STOPS_UNSPACED = frozenset("。！？")


@dataclass(frozen=True)
class Span:
    """A run of text that is the same on both sides, or only on one."""

    op: Op
    text: str


@dataclass(frozen=True)
class Row:
    """One aligned row of a side-by-side diff: a paragraph and its counterpart."""

    kind: Kind
    old: tuple[Span, ...]
    new: tuple[Span, ...]
    # Both sides merged in reading order: deletions before the insertions that replace
    # them. Made from the same comparison as the sides, never by a second diff.
    inline: tuple[Span, ...]


@dataclass(frozen=True)
class TextDiff:
    """A whole diff between two versions of an article."""

    title: Row
    rows: tuple[Row, ...]
    words_added: int
    words_removed: int
    # Stretches shown coarser than word by word (by sentence, or replaced whole) because
    # comparing them finely would have cost more than the diff's budget.
    coarse: int = 0

    @property
    def changed(self) -> bool:
        return self.title.kind != "equal" or any(r.kind != "equal" for r in self.rows)


def tokens(text: str) -> list[str]:
    return _TOKENS.findall(text)


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def word_diff(
    old: str, new: str, budget: Budget | None = None
) -> tuple[tuple[Span, ...], tuple[Span, ...], tuple[Span, ...]]:
    """Spans of one changed paragraph, compared word by word: the old side, the new side,
    and both merged in reading order (deletions before the insertions that replace them).

    Within `budget`: a stretch too big to compare word by word is compared sentence by
    sentence, and a changed sentence run still too big is shown as replaced whole.
    """
    budget = Budget() if budget is None else budget
    a, b = tokens(old), tokens(new)
    ops = _cleanup(_word_opcodes(a, b, budget))
    old_spans: list[Span] = []
    new_spans: list[Span] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            _push(old_spans, "equal", "".join(a[i1:i2]))
            _push(new_spans, "equal", "".join(b[j1:j2]))
            continue
        if i2 > i1:
            _push(old_spans, "delete", "".join(a[i1:i2]))
        if j2 > j1:
            _push(new_spans, "insert", "".join(b[j1:j2]))
    return _absorb_spaces(old_spans), _absorb_spaces(new_spans), _inline(a, b, ops)


def _word_opcodes(a: list[str], b: list[str], budget: Budget) -> list[Opcode]:
    out: list[Opcode] = []
    for op in seqdiff.opcodes(a, b, budget):
        out.extend(_by_sentence(a, b, op, budget) if op[0] == "coarse" else [op])
    return out


def _by_sentence(a: list[str], b: list[str], region: Opcode, budget: Budget) -> list[Opcode]:
    """A stretch too big to compare word by word: its sentences are matched whole, then the
    words of each changed run of sentences as far as that fits; the rest is replaced whole."""
    _, i1, i2, j1, j2 = region
    sa, sb = _sentences(a, i1, i2), _sentences(b, j1, j2)
    keys_a = ["".join(a[p:q]) for p, q in sa]
    keys_b = ["".join(b[p:q]) for p, q in sb]
    out: list[Opcode] = []
    for tag, p1, p2, q1, q2 in seqdiff.opcodes(keys_a, keys_b, budget):
        ti1, ti2 = _token_range(sa, p1, p2, i2)
        tj1, tj2 = _token_range(sb, q1, q2, j2)
        if tag not in ("replace", "coarse"):
            out.append((tag, ti1, ti2, tj1, tj2))
            continue
        words = seqdiff.opcodes(a[ti1:ti2], b[tj1:tj2], budget) if tag == "replace" else []
        for w_tag, p, q, r, s in words or [("coarse", 0, ti2 - ti1, 0, tj2 - tj1)]:
            if w_tag == "coarse":
                budget.coarse += 1
                w_tag = "replace"
            out.append((w_tag, ti1 + p, ti1 + q, tj1 + r, tj1 + s))
    return out


def _token_range(sentences: list[tuple[int, int]], p1: int, p2: int, end: int) -> tuple[int, int]:
    """The tokens of sentences p1..p2 (an empty range where they would start, if none)."""
    if p2 > p1:
        return sentences[p1][0], sentences[p2 - 1][1]
    at = sentences[p1][0] if p1 < len(sentences) else end
    return at, at


def _sentences(toks: list[str], start: int, end: int) -> list[tuple[int, int]]:
    """Token ranges of the sentences in toks[start:end]: each ends after its full stop,
    question or exclamation mark and the space after it (no space needed after 。！？)."""
    out: list[tuple[int, int]] = []
    begin = k = start
    while k < end:
        token = toks[k]
        k += 1
        if token in _FULL_STOPS_UNSPACED or (
            token in _FULL_STOPS and k < end and toks[k].isspace()
        ):
            if token in _FULL_STOPS:
                k += 1
            out.append((begin, k))
            begin = k
    if begin < end:
        out.append((begin, end))
    return out


def _cleanup(opcodes: list[tuple[str, int, int, int, int]]) -> list[tuple[str, int, int, int, int]]:
    """Fold a tiny unchanged island ("the", "on") between two changes into the change.

    A rewritten sentence otherwise reads as confetti of one-word matches.
    """
    out = list(opcodes)
    for k in range(1, len(out) - 1):
        tag, i1, i2, j1, j2 = out[k]
        if (
            tag == "equal"
            and i2 - i1 <= _ISLAND_TOKENS
            and out[k - 1][0] != "equal"
            and out[k + 1][0] != "equal"
        ):
            out[k] = ("replace", i1, i2, j1, j2)
    return out


def _push(spans: list[Span], op: Op, text: str) -> None:
    if not text:
        return
    if spans and spans[-1].op == op:
        spans[-1] = Span(op, spans[-1].text + text)
    else:
        spans.append(Span(op, text))


def _absorb_spaces(spans: list[Span]) -> tuple[Span, ...]:
    """A change span made only of white space reads as noise: show it as unchanged."""
    out: list[Span] = []
    for span in spans:
        _push(out, "equal" if span.op != "equal" and not span.text.strip() else span.op, span.text)
    return tuple(out)


def _inline(a: list[str], b: list[str], ops: list[Opcode]) -> tuple[Span, ...]:
    """Interleave two sides into one reading: equal text once, then deleted, then inserted."""
    out: list[Span] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        _push(out, "delete", "".join(deleted))
        _push(out, "insert", "".join(inserted))
        deleted.clear()
        inserted.clear()

    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            flush()
            _push(out, "equal", "".join(a[i1:i2]))
        else:  # a run of changes reads as all it removed, then all it added
            deleted.extend(a[i1:i2])
            inserted.extend(b[j1:j2])
    flush()
    return tuple(out)


def _similarity(old: list[str], new: list[str], budget: Budget) -> float:
    """How alike two paragraphs are, word by word (character by character where unspaced):
    difflib's ratio when the pair fits the budget, else the share of words they have in
    common, order aside (linear, and never lower than the ratio)."""
    cells = len(old) * len(new)
    if cells <= seqdiff.REGION_CELLS and budget.afford(cells):
        return SequenceMatcher(None, old, new, autojunk=False).ratio()
    total = len(old) + len(new)
    if not total or not budget.afford(total):
        return 0.0
    return 2 * sum((Counter(old) & Counter(new)).values()) / total


def _words(text: str) -> list[str]:
    return (
        [t for t in tokens(text) if not t.isspace()] if _HAS_UNSPACED.search(text) else text.split()
    )


def _align(old: list[str], new: list[str], budget: Budget) -> list[tuple[int | None, int | None]]:
    """Monotone pairing of two runs of paragraphs that maximises total similarity; by
    position when the runs are too long to weigh every pair."""
    n, m = len(old), len(new)
    if n * m > _MAX_ALIGN_CELLS:
        budget.coarse += 1
        return [(i if i < n else None, i if i < m else None) for i in range(max(n, m))]
    words_new = [_words(w) for w in new]
    sim = [[_similarity(wo, wn, budget) for wn in words_new] for wo in map(_words, old)]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            pair = sim[i][j] + best[i + 1][j + 1] if sim[i][j] >= _PAIR_THRESHOLD else -1.0
            best[i][j] = max(pair, best[i + 1][j], best[i][j + 1])
    pairs: list[tuple[int | None, int | None]] = []
    i = j = 0
    while i < n and j < m:
        if sim[i][j] >= _PAIR_THRESHOLD and best[i][j] == sim[i][j] + best[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            pairs.append((i, None))
            i += 1
        else:
            pairs.append((None, j))
            j += 1
    pairs.extend((k, None) for k in range(i, n))
    pairs.extend((None, k) for k in range(j, m))
    return pairs


def _row(old: str | None, new: str | None, budget: Budget) -> Row:
    if old is None:
        added = (Span("insert", new or ""),)
        return Row("added", (), added, added)
    if new is None:
        removed = (Span("delete", old),)
        return Row("removed", removed, (), removed)
    if old == new:
        return Row("equal", (Span("equal", old),), (Span("equal", new),), _equal_inline(old))
    old_spans, new_spans, inline = word_diff(old, new, budget)
    return Row("changed", old_spans, new_spans, inline)


def _equal_inline(text: str) -> tuple[Span, ...]:
    return (Span("equal", text),) if text else ()


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def diff_texts(
    old_title: str, old_text: str, new_title: str, new_text: str, *, budget: Budget | None = None
) -> TextDiff:
    """Diff two versions: the headline as one row, the body paragraph by paragraph.

    Identical paragraphs are matched by hash before anything is compared word by word;
    all the work is bounded by `budget` (by default `seqdiff.PAGE_CELLS` comparisons).
    """
    budget = Budget() if budget is None else budget
    a, b = _paragraphs(old_text), _paragraphs(new_text)
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in seqdiff.opcodes(a, b, budget):
        if tag == "equal":
            rows.extend(_row(p, p, budget) for p in a[i1:i2])
            continue
        for oi, nj in _align(a[i1:i2], b[j1:j2], budget):
            old = None if oi is None else a[i1 + oi]
            rows.append(_row(old, None if nj is None else b[j1 + nj], budget))
    title = _row(old_title, new_title, budget)
    added = sum(count_words(s.text) for r in (title, *rows) for s in r.new if s.op == "insert")
    removed = sum(count_words(s.text) for r in (title, *rows) for s in r.old if s.op == "delete")
    return TextDiff(
        title=title,
        rows=tuple(rows),
        words_added=added,
        words_removed=removed,
        coarse=budget.coarse,
    )


def first_version_diff(title: str, text: str) -> TextDiff:
    """Version 0 compared with nothing: every word is new."""
    return diff_texts("", "", title, text)


def summarize(diff: TextDiff, *, max_rows: int = 6, context_words: int = 12) -> list[dict]:
    """The changed rows, with long unchanged runs trimmed, as plain JSON-ready data.

    Stored with each version when it is captured, so a feed of changes never
    recomputes diffs.
    """
    out: list[dict] = []
    for row in (diff.title, *diff.rows):
        if row.kind == "equal":
            continue
        spans = [_trim(s, context_words) for s in row.inline]
        out.append(
            {
                "kind": row.kind,
                "headline": row is diff.title,
                "spans": [[s.op, s.text] for s in spans],
            }
        )
        if len(out) >= max_rows:
            break
    return out


def _trim(span: Span, keep: int) -> Span:
    if span.op != "equal":
        return span
    words = span.text.split(" ")
    if len(words) <= 2 * keep:
        return span
    return Span("equal", " ".join(words[:keep]) + " … " + " ".join(words[-keep:]))

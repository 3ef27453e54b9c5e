"""The diff model: paragraphs aligned, words compared inside changed paragraphs. Pure.

Built on difflib, whose SequenceMatcher is exact, dependency-free and fast enough
on article-sized texts. Renderers (web page, feed, terminal) read these objects;
nothing here knows about HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

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

    @property
    def inline(self) -> tuple[Span, ...]:
        """Both sides merged in reading order: deletions before the insertions that replace them."""
        return merge_inline(self.old, self.new)


@dataclass(frozen=True)
class TextDiff:
    """A whole diff between two versions of an article."""

    title: Row
    rows: tuple[Row, ...]
    words_added: int
    words_removed: int

    @property
    def changed(self) -> bool:
        return self.title.kind != "equal" or any(r.kind != "equal" for r in self.rows)


def tokens(text: str) -> list[str]:
    return _TOKENS.findall(text)


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def word_diff(old: str, new: str) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    """Spans for each side of one changed paragraph, compared word by word."""
    a, b = tokens(old), tokens(new)
    old_spans: list[Span] = []
    new_spans: list[Span] = []
    for tag, i1, i2, j1, j2 in _cleanup(SequenceMatcher(None, a, b, autojunk=False).get_opcodes()):
        if tag == "equal":
            _push(old_spans, "equal", "".join(a[i1:i2]))
            _push(new_spans, "equal", "".join(b[j1:j2]))
            continue
        if i2 > i1:
            _push(old_spans, "delete", "".join(a[i1:i2]))
        if j2 > j1:
            _push(new_spans, "insert", "".join(b[j1:j2]))
    return _absorb_spaces(old_spans), _absorb_spaces(new_spans)


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


def merge_inline(old: tuple[Span, ...], new: tuple[Span, ...]) -> tuple[Span, ...]:
    """Interleave two sides into one reading: equal text once, then deleted, then inserted."""
    if not old:
        return new
    if not new:
        return old
    a, b = tokens("".join(s.text for s in old)), tokens("".join(s.text for s in new))
    out: list[Span] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        _push(out, "delete", "".join(deleted))
        _push(out, "insert", "".join(inserted))
        deleted.clear()
        inserted.clear()

    for tag, i1, i2, j1, j2 in _cleanup(SequenceMatcher(None, a, b, autojunk=False).get_opcodes()):
        if tag == "equal":
            flush()
            _push(out, "equal", "".join(a[i1:i2]))
        else:  # a run of changes reads as all it removed, then all it added
            deleted.extend(a[i1:i2])
            inserted.extend(b[j1:j2])
    flush()
    return tuple(out)


def _similarity(old: str, new: str) -> float:
    """How alike two paragraphs are, word by word (character by character where unspaced)."""
    return SequenceMatcher(None, _words(old), _words(new), autojunk=False).ratio()


def _words(text: str) -> list[str]:
    return (
        [t for t in tokens(text) if not t.isspace()] if _HAS_UNSPACED.search(text) else text.split()
    )


def _align(old: list[str], new: list[str]) -> list[tuple[int | None, int | None]]:
    """Monotone pairing of two runs of paragraphs that maximises total similarity."""
    n, m = len(old), len(new)
    if n * m > _MAX_ALIGN_CELLS:
        return [(i if i < n else None, i if i < m else None) for i in range(max(n, m))]
    sim = [[_similarity(o, w) for w in new] for o in old]
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


def _row(old: str | None, new: str | None) -> Row:
    if old is None:
        return Row("added", (), (Span("insert", new or ""),))
    if new is None:
        return Row("removed", (Span("delete", old),), ())
    if old == new:
        return Row("equal", (Span("equal", old),), (Span("equal", new),))
    old_spans, new_spans = word_diff(old, new)
    return Row("changed", old_spans, new_spans)


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def diff_texts(old_title: str, old_text: str, new_title: str, new_text: str) -> TextDiff:
    """Diff two versions: the headline as one row, the body paragraph by paragraph."""
    a, b = _paragraphs(old_text), _paragraphs(new_text)
    rows: list[Row] = []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(_row(p, p) for p in a[i1:i2])
            continue
        for oi, nj in _align(a[i1:i2], b[j1:j2]):
            rows.append(
                _row(None if oi is None else a[i1 + oi], None if nj is None else b[j1 + nj])
            )
    title = _row(old_title, new_title)
    added = sum(count_words(s.text) for r in (title, *rows) for s in r.new if s.op == "insert")
    removed = sum(count_words(s.text) for r in (title, *rows) for s in r.old if s.op == "delete")
    return TextDiff(title=title, rows=tuple(rows), words_added=added, words_removed=removed)


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

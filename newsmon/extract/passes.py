"""Which text is the story: precision or recall pass, the visible page or its structured data.

Decisions over texts already extracted and the page's tree; no I/O. Precision mode
keeps a page's boilerplate out but on some layouts cuts the story short: it drops a
paragraph of prose that sits beside paragraphs it keeps (a CMS that wraps each
paragraph in its own linked `<div>`), or keeps a small part of the page's prose. A
recall pass finds the rest, and more boilerplate, so its text is kept only where it is
still the same story: it holds the precision text's lines, the paragraphs precision
missed, little else, and agrees with the page's JSON-LD body at least as well.
Structured data becomes the text only where the visible page shows no story.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from newsmon.core.fingerprint import normalize_line

# The precision text is suspect when shorter than this share of the page's stated body,
# or of its paragraph prose where it states none.
SHORT_SHARE = 0.6
# Without missed paragraphs to look for, the recall text must be this much longer ...
GAIN = 1.3
# ... and in any case hold this share of the precision text's lines: the story, extended.
KEEP_LINES = 0.8
# With missed paragraphs, recall may add this share of the precision text besides them,
# and never more than it adds of them.
EXTRA_SHARE = 0.25
MIN_PROSE = 80  # characters of a paragraph that precision should not have missed
# A visible text of fewer characters is no story (a script shell's "Loading…", a
# cookie line): about two sentences.
MIN_VISIBLE = 200
_SENTENCE_END = (".", "!", "?", "。", "！", "？", '"', "”", "»", "…")
_WORD = re.compile(r"\w+")


def _home(paragraph: HtmlElement) -> tuple[object, ...] | None:
    """Where a paragraph stands: its parent, or its parent's kind under its grandparent."""
    parent = paragraph.getparent()
    if parent is None:
        return None
    return (parent.getparent(), parent.tag, parent.get("class"))


def missed_paragraphs(tree: HtmlElement, text: str) -> tuple[list[str], int]:
    """Prose paragraphs that stand where kept ones stand, left out by the precision pass.

    Each in a wrapper of the same kind as a kept paragraph's, under the same
    grandparent (a CMS that wraps each paragraph in its own `<div>`): the story's own
    paragraphs, not a caption or a teaser elsewhere. A paragraph dropped from beside
    kept ones in the same parent was judged on its own (a promo, a comment policy).
    """
    kept = set(text.split("\n"))
    paragraphs: list[tuple[HtmlElement, str]] = []
    candidates: list[tuple[HtmlElement, str]] = []
    prose = 0
    for paragraph in tree.iter("p"):
        raw = paragraph.text_content()
        prose += len(raw.strip())
        if len(raw) < MIN_PROSE:
            paragraphs.append((paragraph, raw))  # may still be kept: a home, not a candidate
            continue
        line = normalize_line(raw)
        paragraphs.append((paragraph, line))
        if line not in kept and len(line) >= MIN_PROSE and line.endswith(_SENTENCE_END):
            candidates.append((paragraph, line))
    if not candidates:
        return [], prose
    parents: set[HtmlElement] = set()
    homes: set[tuple[object, ...]] = set()
    for paragraph, line in paragraphs:
        parent, home = paragraph.getparent(), _home(paragraph)
        if parent is not None and home is not None and normalize_line(line) in kept:
            parents.add(parent)
            homes.add(home)
    missed = [
        line
        for paragraph, line in candidates
        if paragraph.getparent() not in parents and _home(paragraph) in homes
    ]
    return missed, prose


def needs_recall(precision_text: str, page_prose: int, stated: str) -> bool:
    """Whether the precision text is short against the page's stated body or its prose."""
    expected = len(stated) if stated else page_prose
    return expected > 0 and len(precision_text) < SHORT_SHARE * expected


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def agreement(text: str, stated: str) -> float:
    """F1 of the word sets of `text` and the page's stated body."""
    ours, theirs = _words(text), _words(stated)
    common = len(ours & theirs)
    if not common:
        return 0.0
    precision, recall = common / len(ours), common / len(theirs)
    return 2 * precision * recall / (precision + recall)


def fuller_story(precision_text: str, recall_text: str, stated: str, missed: list[str]) -> str:
    """The recall text when it is the precision text's story made whole, else the precision text."""
    lines = [line for line in precision_text.split("\n") if line]
    recall_lines = [line for line in recall_text.split("\n") if line]
    present = set(recall_lines)
    if lines and sum(line in present for line in lines) < KEEP_LINES * len(lines):
        return precision_text
    if stated and agreement(recall_text, stated) < agreement(precision_text, stated):
        return precision_text
    if missed:
        wanted = set(missed)
        found = sum(len(line) for line in wanted if line in present)
        old = set(lines)
        extra = sum(len(line) for line in recall_lines if line not in old and line not in wanted)
        whole = found >= 0.5 * sum(map(len, wanted)) and extra <= min(
            found, EXTRA_SHARE * len(precision_text)
        )
        return recall_text if whole else precision_text
    return recall_text if len(recall_text) >= GAIN * len(precision_text) else precision_text


def shows_no_story(visible_text: str, structured_text: str) -> bool:
    """Whether the visible page lacks the story that its structured data holds.

    The guard against invisible text: structured data is used as text only here,
    where the page a reader loads shows next to nothing of its own; a page that shows
    any story keeps what it shows, whatever its JSON-LD says.
    """
    if not structured_text:
        return False
    return len(visible_text) < MIN_VISIBLE and len(structured_text) > 2 * len(visible_text)

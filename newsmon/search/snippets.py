"""Result snippets: where the searched words stand in a text, marked for highlighting. Pure.

Built in Python from the page's few hits rather than by each database's own
snippet function, so SQLite and PostgreSQL show the same snippet for the same hit.
"""

from __future__ import annotations

import html
import re

from newsmon.core.searchterms import Term, stems, terms
from newsmon.search.query import PREFIX, Phrase, stemmed_phrase

MARK_START, MARK_END = "\x02", "\x03"
CONTEXT_WORDS = 12


def snippet(
    text: str,
    phrases: tuple[Phrase, ...],
    *,
    stemmer: str | None = None,
    context: int = CONTEXT_WORDS,
) -> str | None:
    """The stretch of `text` around the first phrase found, that phrase wrapped in marks.

    None when no phrase occurs. Callers escape the text around the marks when they
    render it: the marks are control characters no cleaned article text holds.
    `stemmer` is the version's (`versions.search_stemmer`), as its terms were indexed.
    """
    spans = terms(text)  # the index's own terms, so the hit shown is the hit found
    indexed = stems([t.term for t in spans], stemmer)
    for phrase in phrases:
        for alternative in stemmed_phrase(phrase, stemmer):
            n = len(alternative)
            for i in range(len(indexed) - n + 1):
                if all(_same(indexed[i + k], w) for k, w in enumerate(alternative)):
                    return _cut(text, spans, i, i + n, context)
    return None


def _same(term: str, word: str) -> bool:
    """An indexed term matches a query word: equal, or beginning with a prefix word."""
    if word.endswith(PREFIX):
        return term.startswith(word.removesuffix(PREFIX))
    return term == word


def _cut(text: str, spans: list[Term], first: int, last: int, context: int) -> str:
    start = spans[max(first - context, 0)].start
    end = spans[min(last + context, len(spans)) - 1].end
    hit_start, hit_end = spans[first].start, spans[last - 1].end
    out = (
        text[start:hit_start] + MARK_START + text[hit_start:hit_end] + MARK_END + text[hit_end:end]
    )
    out = " ".join(out.split())
    return ("… " if start > 0 else "") + out + (" …" if end < len(text) else "")


def first_snippet(
    texts: list[str | None], phrases: tuple[Phrase, ...], *, stemmer: str | None = None
) -> str:
    """The snippet from the first text holding a phrase, else the start of the first text."""
    for text in texts:
        found = snippet(text or "", phrases, stemmer=stemmer) if phrases else None
        if found:
            return found
    head = next((t for t in texts if t), "")
    cut = " ".join(head.split()[: 2 * CONTEXT_WORDS])
    return cut + (" …" if len(cut) < len(" ".join(head.split())) else "")


def plain(snip: str) -> str:
    """The snippet without its marks."""
    return snip.replace(MARK_START, "").replace(MARK_END, "")


def marked_html(snip: str) -> str:
    """The snippet as HTML: every piece escaped, the marked words in <mark>.

    Built piece by piece, so a stray mark can only open or close a highlight,
    never let text through unescaped.
    """
    out: list[str] = []
    inside = False
    for piece in re.split(f"([{MARK_START}{MARK_END}])", snip):
        if piece in (MARK_START, MARK_END):
            wanted = piece == MARK_START
            if wanted != inside:
                out.append("<mark>" if wanted else "</mark>")
                inside = wanted
            continue
        out.append(html.escape(piece, quote=True))
    if inside:
        out.append("</mark>")
    return "".join(out)

"""A source's template: the blocks of text its pages repeat, which are not story. Pure.

News sites are built from one template: the same promo strip, ticker, newsletter or
subscription box, "most read" list, credit and legal line sit on page after page of
one site, often with a number that changes (a price, a count, an index level). The
extractor cannot always tell them from a short story, so they reach the text, and
every change of their number looked like an edit. A block here is one line of the
extracted text, compared as its `block_key`: case-folded, white space collapsed,
every run of digits masked, so a ticker at 7,523.4 and at 7,531.0 is one block.

A block is template when it appears in the texts of at least `threshold(n)` distinct
articles of the n sampled: at least 3, because two stories may share a sentence
honestly (a follow-up quoting the first, one wire paragraph in two stories), and at
least a fifth of the sample, because a line on one story in five is the site's, not
a reporter's. A sentence an editor adds to one story ("Correction: ...") is on one
article, so it stays story.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MIN_ARTICLES = 3  # never fewer distinct articles than this make a block template
SHARE = 0.2  # nor fewer than this share of the articles sampled
MIN_SAMPLE = 5  # fewer sampled articles than this teach nothing
MAX_BLOCKS = 500  # a template of more blocks than this is not a template but a corpus
MAX_BLOCK_CHARS = 500  # a line longer than this is a paragraph of story, not chrome

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def block_key(line: str) -> str:
    """The line as template blocks are compared: case and spacing aside, digits masked."""
    folded = unicodedata.normalize("NFKC", line).casefold()
    return _SPACE.sub(" ", _DIGITS.sub("#", folded)).strip()


def threshold(sampled: int) -> int:
    """In how many distinct articles of `sampled` a block must appear to be template."""
    return max(MIN_ARTICLES, math.ceil(SHARE * sampled))


def text_blocks(text: str) -> set[str]:
    """The distinct block keys of one text (short enough to be chrome)."""
    return {
        key
        for line in text.split("\n")
        if (key := block_key(line))
        and len(key) <= MAX_BLOCK_CHARS
        and any(c.isalpha() for c in key)
    }


@dataclass(frozen=True)
class Template:
    """One source's learned blocks, and how many articles they were learned from."""

    blocks: frozenset[str]
    sampled: int = 0

    def tag(self) -> str:
        """Appended to the extractor: another learned set is another extractor, not an edit."""
        canonical = json.dumps(sorted(self.blocks), separators=(",", ":"))
        return "+tpl:" + hashlib.sha256(canonical.encode()).hexdigest()[:12]

    def without(self, text: str) -> str:
        """The text without its template lines (the story's lines, in order).

        A text that is template through and through is left whole: a page whose every
        line other pages carry too is a copy, and an empty version would hide it.
        """
        kept = [line for line in text.split("\n") if block_key(line) not in self.blocks]
        return "\n".join(kept) if any(line.strip() for line in kept) else text

    def to_json(self) -> dict[str, Any] | None:
        """What `Source.template` stores; None when nothing was learned."""
        if not self.blocks:
            return None
        return {"blocks": sorted(self.blocks), "sampled": self.sampled}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Template | None:
        if not data or not data.get("blocks"):
            return None
        blocks = frozenset(str(b) for b in data["blocks"][:MAX_BLOCKS])
        return cls(blocks, int(data.get("sampled") or 0))


def template_tag(template: Template | None) -> str:
    return template.tag() if template is not None else ""


def learn(texts: Iterable[str]) -> Template | None:
    """The blocks that recur across the texts, one text per distinct article.

    None when too few articles were sampled to tell a template from a coincidence, or
    when no block recurs enough.
    """
    counts: Counter[str] = Counter()
    sampled = 0
    for text in texts:
        sampled += 1
        counts.update(text_blocks(text))
    if sampled < MIN_SAMPLE:
        return None
    need = threshold(sampled)
    common = [key for key, n in counts.most_common(MAX_BLOCKS) if n >= need]
    return Template(frozenset(common), sampled) if common else None

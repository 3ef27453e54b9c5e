"""Which text is the story: precision or recall pass, the visible page or its structured data.

Pure decisions over texts already extracted. Precision mode keeps a page's boilerplate
out but on some layouts cuts the story short; a recall pass finds the rest, and more
boilerplate. The recall text is kept only where the precision text is a small part of
what the page holds as prose, and it is still the same story: it contains the precision
text's lines and, where the page states its body in JSON-LD, it agrees with that body at
least as well. Structured data becomes the text only where the visible page has none.
"""

from __future__ import annotations

import re

# The precision text is suspect when shorter than this share of the page's prose.
SHORT_SHARE = 0.6
# The recall text must be this much longer to be worth its extra boilerplate risk ...
GAIN = 1.3
# ... and hold this share of the precision text's lines: the same story, extended.
KEEP_LINES = 0.8
# A visible text of fewer characters is no story (a script shell's "Loading…", a
# cookie line): about two sentences.
MIN_VISIBLE = 200
_WORD = re.compile(r"\w+")


def needs_recall(precision_text: str, page_prose: int, stated: str) -> bool:
    """Whether the precision text is short against the page's prose or its stated body."""
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


def fuller_story(precision_text: str, recall_text: str, stated: str) -> str:
    """The recall text when it is the precision text's story made whole, else the precision text."""
    if len(recall_text) < GAIN * len(precision_text):
        return precision_text
    lines = [line for line in precision_text.split("\n") if line]
    recall_lines = set(recall_text.split("\n"))
    if lines and sum(line in recall_lines for line in lines) < KEEP_LINES * len(lines):
        return precision_text
    if stated and agreement(recall_text, stated) < agreement(precision_text, stated):
        return precision_text
    return recall_text


def shows_no_story(visible_text: str, structured_text: str) -> bool:
    """Whether the visible page lacks the story that its structured data holds.

    The guard against invisible text: structured data is used as text only here,
    where the page a reader loads shows next to nothing of its own; a page that shows
    any story keeps what it shows, whatever its JSON-LD says.
    """
    if not structured_text:
        return False
    return len(visible_text) < MIN_VISIBLE and len(structured_text) > 2 * len(visible_text)

"""Change classes: is a new version a `minor` fix, a `headline` rewrite, an `edit`, or a
`method` change (newsmon reads the page another way)? Pure.

Subscribers drown when a punctuation fix sits beside a rewritten lede, so every
version is classed when it is captured, and feeds and notifications filter on it.
"""

from __future__ import annotations

import re
import unicodedata

from newsmon.core import searchterms
from newsmon.core.outcomes import ChangeClass, values
from newsmon.record.diff import Span, TextDiff

CHANGE_CLASSES = values(ChangeClass)
# Left out of feeds and notifications unless asked for: `minor` fixes, and `method`,
# a version whose text may differ only because newsmon now reads the page another
# way (new rules, browser rendering, an upgrade) and the stored page cannot show
# what the old text would be under the new way; and `template`, the same lines changed
# on many articles of a source at once (newsmon.record.templatechange).
QUIET_CLASSES: tuple[str, ...] = (
    ChangeClass.MINOR.value,
    ChangeClass.METHOD.value,
    ChangeClass.TEMPLATE.value,
)

_WORDS = re.compile(r"\w+")


def skeleton(text: str) -> tuple[str, ...]:
    """The words of `text`, case-folded and compatibility-normalised, in order.

    Two texts with the same skeleton differ only in white space, punctuation,
    letter case, or quote and dash style: nothing a reader would call an edit.
    """
    return tuple(_WORDS.findall(unicodedata.normalize("NFKC", text).casefold()))


def classify(*, old_title: str, old_text: str, new_title: str, new_text: str) -> ChangeClass:
    """The class of the change from one version to the next.

    `headline` wins over `edit` when the headline's words changed, whatever the
    body did: a headline rewrite is the change readers most want to see.
    """
    if skeleton(old_title) != skeleton(new_title):
        return ChangeClass.HEADLINE
    if skeleton(old_text) != skeleton(new_text):
        return ChangeClass.EDIT
    return ChangeClass.MINOR


# Joins the runs of removed or added text in the search index, so a phrase never
# matches across two separate runs (a word token no article text is likely to hold).
RUN_BREAK = searchterms.RUN_BREAK


def change_runs(diff: TextDiff) -> tuple[str, str]:
    """(removed, added): each run of removed or added words of a diff, one run per line.

    Headline first, then the body. Runs holding no word (a full stop that became
    an exclamation mark) are left out: there is nothing in them to search.
    """
    removed: list[str] = []
    added: list[str] = []
    for row in (diff.title, *diff.rows):
        removed.extend(_runs(row.old, "delete"))
        added.extend(_runs(row.new, "insert"))
    return "\n".join(removed), "\n".join(added)


def _runs(spans: tuple[Span, ...], op: str) -> list[str]:
    return [" ".join(s.text.split()) for s in spans if s.op == op and _WORDS.search(s.text)]

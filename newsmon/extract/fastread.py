"""Read one page in a worker: the story's fingerprint first when one is remembered, the
full extraction only when it differs. Pure, CPU-bound.

Whether to try the fingerprint at all is the record's decision (newsmon.record.reading);
this only does what it was asked. A full extraction also locates the story for the next
check (newsmon.extract.storyprint), on a tree of its own: `extract` strips the tree it reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsmon.extract.meta import canonical_link, landmarks
from newsmon.extract.page import Extracted, _decoded, extract
from newsmon.extract.parse import story_tree
from newsmon.extract.rules import ExtractRules
from newsmon.extract.storyprint import StoryPrint, fingerprint, locate


@dataclass(frozen=True)
class PageRead:
    """What a worker made of a page: plain values, they cross process boundaries."""

    extracted: Extracted | None  # None: the remembered story, unchanged (fast path)
    story: StoryPrint | None  # where the story is, for the next check; None: not located
    canonical_url: str | None = None  # the page's rel=canonical, on the fast path
    # Extracted in full (`full`) though the remembered region was found unchanged: `story`
    # is the remembered one, valid for the next check only if the text is the same too.
    region_unchanged: bool = False


def read_page(
    body: bytes | str,
    url: str | None,
    *,
    encoding: str | None = None,
    rules: ExtractRules | None = None,
    remembered: StoryPrint | None = None,
    full: bool = False,
) -> PageRead:
    """The fast path when the `remembered` story's fingerprint is found unchanged on this
    page, else a full extraction (and the story located anew).

    With `full` (the safety net), the page is extracted in full whatever the fingerprint
    says; where it matched, the region is not located again (the record keeps it only if
    the text is the latest version's).

    A source's rules take the page apart their own way: such pages are always extracted
    in full and no story is remembered for them.

    Raises:
        RuleMiss: a selector of `rules` matched nothing on this page.
        Undecodable: the bytes are not valid in `encoding`.
    """
    if rules is not None:
        return PageRead(extract(body, url, encoding=encoding, rules=rules), None)
    text = _decoded(body, encoding)  # once: a full extraction reads the same text
    if isinstance(text, bytes):  # no usable encoding: trafilatura's sniffing, as extract's
        from trafilatura.utils import decode_file

        tree = story_tree(decode_file(text))
    else:
        tree = story_tree(text, body if isinstance(body, bytes) else None, encoding)
    marks = landmarks(tree) if tree is not None else None
    same = (
        tree is not None
        and remembered is not None
        and fingerprint(tree, remembered.path, url, marks) == remembered.digest
    )
    if same and not full and marks is not None:  # (same implies them; said for mypy)
        return PageRead(None, remembered, canonical_link(marks, url))
    extracted = extract(text, url)
    if same:
        return PageRead(extracted, remembered, region_unchanged=True)
    story = None
    if tree is not None and extracted.text.strip():
        story = locate(tree, extracted.title, extracted.text, url, marks)
    return PageRead(extracted, story)

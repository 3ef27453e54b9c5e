"""Read one page in a worker: the story's fingerprint first when one is remembered, the
full extraction only when it differs. Pure, CPU-bound.

Whether to try the fingerprint at all is the record's decision (newsmon.record.reading);
this only does what it was asked. A full extraction also locates the story for the next
check (newsmon.extract.storyprint), on a tree of its own: `extract` strips the tree it reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsmon.core.charsets import codec_name
from newsmon.extract.meta import canonical_link
from newsmon.extract.page import Extracted, _decoded, extract
from newsmon.extract.rules import ExtractRules
from newsmon.extract.storydom import dom_landmarks, story_tree
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
        Undecodable: the bytes are not valid in `encoding` (a page read by its
            fingerprint alone is not decoded).
    """
    if rules is not None:
        return PageRead(extract(body, url, encoding=encoding, rules=rules), None)
    # A UTF-8 page's served bytes are parsed as they are: decoded only if it must be
    # extracted (lexbor reads bytes as UTF-8, with a browser's replacement characters).
    utf8 = isinstance(body, bytes) and codec_name(encoding) == "utf-8"
    text = None if utf8 else _decoded(body, encoding)
    if isinstance(text, bytes):  # no usable encoding: trafilatura's sniffing, as extract's
        from trafilatura.utils import decode_file

        tree = story_tree(decode_file(text))
    else:
        tree = story_tree(body if text is None else text)
    marks = dom_landmarks(tree) if tree is not None else None
    same = (
        tree is not None
        and remembered is not None
        and fingerprint(tree, remembered.path, url, marks) == remembered.digest
    )
    if same and not full and marks is not None:  # (same implies them; said for mypy)
        return PageRead(None, remembered, canonical_link(marks, url))
    extracted = extract(_decoded(body, encoding) if text is None else text, url)
    if same:
        return PageRead(extracted, remembered, region_unchanged=True)
    story = None
    if tree is not None and extracted.text.strip():
        story = locate(tree, extracted.title, extracted.text, url, marks)
    return PageRead(extracted, story)

"""Repairs to a page's tree before extraction, from how news pages are built and mis-parsed.

Two shapes lose a story that a reader sees whole. Malformed markup (an `<aside>` or
`<nav>` left open) makes the HTML parser nest everything after it, story included,
inside that chrome element, and chrome is removed wholesale. And CMSs split one
story's body into sibling containers of one class around ad slots
(`div.body__inner-container` × N), where an extractor takes the first container as
the story. Both are recognised by structure, not by any site's names.
"""

from __future__ import annotations

import re

from lxml.etree import XPath
from lxml.html import HtmlElement

# A chrome element holding more than this share of the page's paragraph text is
# where the parser put the story, not a sidebar.
_STORY_SHARE = 0.5
_MIN_STORY = 400  # characters: less paragraph text than a short story is a sidebar's
# Class words by which CMSs name a story's body container (trafilatura's own body
# selectors read the same words).
_BODY_CLASS = re.compile(r"body|content|article|story|text|entry|post|prose", re.IGNORECASE)
_MIN_PART = 80  # characters of paragraph text a container needs to count as part of the story
_MAX_LINK_SHARE = 0.3  # a part mostly made of links is a teaser list, not the story
_REACH = 3  # levels up to the ancestor that a story's parts share
# The candidates, found by libxml2 rather than a Python loop over every element.
_BODY_XPATH = XPath(
    "(//div|//section)[contains(@class, 'ody') or contains(@class, 'ontent')"
    " or contains(@class, 'rticle') or contains(@class, 'tory') or contains(@class, 'ext')"
    " or contains(@class, 'ntry') or contains(@class, 'ost') or contains(@class, 'rose')]"
)


def _paragraph_chars(element: HtmlElement) -> int:
    return sum(len(p.text_content().strip()) for p in element.iter("p"))


def _link_chars(element: HtmlElement) -> int:
    return sum(len(a.text_content().strip()) for a in element.iter("a"))


def unwrap_story_from_chrome(tree: HtmlElement, chrome: tuple[str, ...]) -> int:
    """Unwrap (keep the children of) chrome elements that hold the story.

    A chrome element holds the story when it contains the page's `<main>` or most of
    its paragraph text: no sidebar, menu or footer does on a real page. Its own
    chrome (a promo, a menu) is left for extraction to judge like any other block.

    Returns:
        How many elements were unwrapped.
    """
    total = -1  # the page's paragraph text, counted once a chrome element holds a story's worth
    unwrapped = 0
    for element in list(tree.iter(*chrome)):
        if element.getparent() is None:
            continue
        holds_main = element.find(".//main") is not None
        held = 0 if holds_main else _paragraph_chars(element)
        if held >= _MIN_STORY and total < 0:
            total = _paragraph_chars(tree)
        if holds_main or (held >= _MIN_STORY and held > _STORY_SHARE * total):
            element.drop_tag()
            unwrapped += 1
    return unwrapped


def _is_story_part(element: HtmlElement) -> bool:
    chars = _paragraph_chars(element)
    return chars >= _MIN_PART and _link_chars(element) <= _MAX_LINK_SHARE * chars


def join_split_story(tree: HtmlElement) -> int:
    """Move the children of a story's later containers into the first one.

    Containers count as one story's parts when they share tag and class, the class
    names a body ("body", "content", "text" ...), they are siblings or cousins (a
    common ancestor at most `_REACH` levels up, as when each part sits in its own
    layout wrapper), and each holds paragraphs of prose rather than links. What
    stands between the parts (an ad slot, a wrapper) stays where it was.

    Returns:
        How many containers were emptied into an earlier one.
    """
    groups: dict[tuple[str, str], list[HtmlElement]] = {}
    for element in _BODY_XPATH(tree):
        cls = " ".join(element.get("class", "").split())
        if _BODY_CLASS.search(cls):
            groups.setdefault((element.tag, cls), []).append(element)
    joined = 0
    for members in groups.values():
        if len(members) < 2:
            continue
        parts = [m for m in members if m.getparent() is not None and _is_story_part(m)]
        if len(parts) < 2 or not _near(parts) or any(_inside(b, parts[0]) for b in parts[1:]):
            continue
        first = parts[0]
        for part in parts[1:]:
            if part.text and part.text.strip():
                _append_text(first, part.text)
            for child in list(part):
                first.append(child)
            part.drop_tree()
            joined += 1
    return joined


def _near(parts: list[HtmlElement]) -> bool:
    """Whether the parts share an ancestor at most `_REACH` levels above each of them."""
    first_line = list(parts[0].iterancestors())[:_REACH]
    for part in parts[1:]:
        if not any(a in first_line for a in list(part.iterancestors())[:_REACH]):
            return False
    return True


def _inside(element: HtmlElement, container: HtmlElement) -> bool:
    return any(ancestor is container for ancestor in element.iterancestors())


def _append_text(element: HtmlElement, text: str) -> None:
    if len(element):
        last = element[-1]
        last.tail = (last.tail or "") + "\n" + text
    else:
        element.text = (element.text or "") + "\n" + text

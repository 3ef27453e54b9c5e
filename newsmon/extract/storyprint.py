"""Where a page's story lies, and a fingerprint of it a cheap parse can check again.

A recheck of an unchanged story need not pay for a full extraction (newsmon.record.reading
decides when to try). After a full extraction, `locate` finds the smallest element that
holds every extracted line and the visible headline: the story's region. Its `StoryPrint`
names the region by its path from the root and hashes everything full extraction could
read from it and around it:

- the region's markup as trafilatura would see it: every element's tag, class and id,
  every text and tail, in document order; the subtrees extraction strips before reading
  (scripts, asides, iframes...: `newsmon.extract.page._NEVER_STORY`) count by tag only,
  so an ad that rotates inside the article does not force a full extraction;
- the frame: the tag sequence of the children of every ancestor on the path, and, for
  the region's own siblings, how many paragraphs each holds, so a paragraph added
  before or after the region, or the story moving to another container, shows;
- the headline and canonical link, computed as extraction computes them.

Any doubt means no match, and so a full extraction: a path that no longer resolves,
a story that cannot be located (its lines are not in the page's text as written).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lxml.etree import _Element as Element
from lxml.etree import iterwalk

from newsmon.extract.meta import (
    Landmarks,
    canonical_link,
    headline,
    jsonld_articles,
    landmarks,
    meta_map,
)
from newsmon.extract.page import _NEVER_STORY

_NEVER = frozenset(_NEVER_STORY)
_DROPPED = str.maketrans("", "", "\u200b\u200c\u200d\ufeff|")


@dataclass(frozen=True)
class StoryPrint:
    """The story's region (child indexes from the root) and the fingerprint of it."""

    path: tuple[int, ...]
    digest: str


def _squash(text: str) -> str:
    """Text with no whitespace at all, NFC as stored text is: extraction re-spaces lines
    (inline elements, <br>, indentation), never their letters. Nor table rules: it writes
    a table's cells between "|"."""
    return "".join(unicodedata.normalize("NFC", text).translate(_DROPPED).split())


def _needle(line: str) -> str:
    """An extracted line as the page's text must hold it: squashed, without the "- " that
    extraction puts before a list item; "" for a line of markup alone (a table's rule)."""
    squashed = _squash(line)
    if line.lstrip().startswith("- "):
        squashed = squashed[1:]
    return squashed if any(c.isalnum() for c in squashed) else ""


def _tag(element: Element) -> str:
    tag = element.tag
    return tag if isinstance(tag, str) else "#"


def _pieces(region: Element) -> Iterator[str]:
    """The region as extraction reads it, in document order (not its own tail)."""
    walker = iterwalk(region, events=("start", "end"))
    for event, element in walker:
        if event == "start":
            tag = _tag(element)
            if tag in _NEVER:
                yield f"\x01{tag}\x02"
                walker.skip_subtree()
                continue
            yield f"\x01{tag} {element.get('class', '')} {element.get('id', '')}\x02"
            yield element.text or ""
        else:
            yield "\x03"
            if element is not region:
                yield element.tail or ""


def _story_text(element: Element) -> str:
    """The element's text as extraction could take it: stripped subtrees left out."""
    return "".join(p for p in _pieces(element) if p[:1] not in ("\x01", "\x03"))


def _at(tree: Element, path: tuple[int, ...]) -> Element | None:
    node = tree
    for index in path:
        if index >= len(node):
            return None
        node = node[index]
    return node


def _frame(tree: Element, path: tuple[int, ...]) -> Iterator[str]:
    """The page's structure around the region: children's tags along the path, and the
    paragraphs of the region's siblings."""
    node = tree
    for depth, index in enumerate(path):
        last = depth == len(path) - 1
        for child in node:
            paragraphs = sum(1 for _ in child.iter("p")) if last else 0
            yield f"{_tag(child)}:{paragraphs};"
        yield "\x04"
        node = node[index]


def fingerprint(
    tree: Element, path: tuple[int, ...], url: str | None, marks: Landmarks | None = None
) -> str | None:
    """The fingerprint of the region at `path` on this page; None when it is not there.
    `marks`: the tree's landmarks when the caller has gathered them already."""
    region = _at(tree, path)
    if region is None or not isinstance(region.tag, str):
        return None
    if marks is None:
        marks = landmarks(tree)
    metas, articles = meta_map(marks), jsonld_articles(marks)
    title = headline(marks, url, metas, articles)
    parts = [title, "\x00", canonical_link(marks, url) or "", "\x00"]
    parts += _frame(tree, path)
    parts.append("\x05")
    parts += _pieces(region)
    return hashlib.sha256("".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _headline_element(tree: Element, title: str) -> Element | None:
    """The visible headline: the first <h1> that reads as the extracted title."""
    wanted = _squash(title)
    if not wanted:
        return None
    for h1 in tree.iter("h1"):
        if _squash("".join(h1.itertext())) == wanted:
            return h1
    return None


def _deepest_holding(chain: list[Element], holds: Callable[[Element], bool]) -> int:
    """The index of the deepest element of `chain` (the root first, each the parent of the
    next; the root holds) that holds, by bisection: an element's text contains each of its
    children's, so along one line of descent holding is true down to a depth, then false.
    The descent stops above a subtree extraction never reads."""
    end = next((i for i, e in enumerate(chain) if i and not _readable(e)), len(chain))
    low, high = 0, end  # chain[low] holds; nothing from chain[high] on is a candidate
    while high - low > 1:
        middle = (low + high) // 2
        if holds(chain[middle]):
            low = middle
        else:
            high = middle
    return low


def _readable(element: Element) -> bool:
    return isinstance(element.tag, str) and element.tag not in _NEVER


def locate(
    tree: Element, title: str, text: str, url: str | None, marks: Landmarks | None = None
) -> StoryPrint | None:
    """The smallest element holding every line of the extracted `text` and the visible
    headline, as a StoryPrint; None when the page's text does not hold them all.

    With a visible headline the region is one of its ancestors, found by bisection over
    them (a full extraction, the fast path's safety net, paid a walk of the page's text
    per level of depth before); without one, the descent tries each child in turn.
    `marks`: the tree's landmarks when the caller has gathered them already."""
    needles = [n for n in (_needle(line) for line in text.split("\n")) if n]
    if not needles:
        return None

    def holds(element: Element) -> bool:
        squashed = _squash(_story_text(element))
        return all(needle in squashed for needle in needles)

    if not holds(tree):
        return None
    head = _headline_element(tree, title)
    # Proxies held in a list stay the same objects: `is` compares elements.
    chain = [] if head is None else [head, *head.iterancestors()][::-1]
    if chain and chain[0] is not tree:
        return None  # not this tree's headline (the descent would have found no region)
    if chain:
        deepest = _deepest_holding(chain, holds)
        path = tuple(_index_in_parent(e) for e in chain[1 : deepest + 1])
    else:
        node, steps = tree, []
        while True:
            for index, child in enumerate(node):
                if _readable(child) and holds(child):
                    node = child
                    steps.append(index)
                    break
            else:
                break
        path = tuple(steps)
    digest = fingerprint(tree, path, url, marks)
    return StoryPrint(path, digest) if digest else None


def _index_in_parent(element: Element) -> int:
    """The element's place among its parent's children (every element of a chain below
    the root has a parent)."""
    parent = element.getparent()
    assert parent is not None
    return parent.index(element)

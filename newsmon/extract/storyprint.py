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

The tree is lexbor's (newsmon.extract.storydom), not the one extraction reads: the
region only has to be found again in a tree parsed the same way, and lexbor parses in
two fifths of libxml2's time. A fingerprint taken on libxml2's tree (before) never
matches one taken here: each stored story is extracted in full once more, and located
anew.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newsmon.extract.meta import (
    Landmarks,
    canonical_link,
    headline,
    jsonld_articles,
    meta_map,
)
from newsmon.extract.page import _NEVER_STORY
from newsmon.extract.storydom import (
    NOT_ELEMENT,
    ancestors,
    children,
    dom_landmarks,
    is_element,
)

_NEVER = frozenset(_NEVER_STORY)
# Characters extraction never shows: zero-widths, table rules, and the control characters
# that trafilatura strips before parsing (lexbor keeps them as text).
_CONTROLS = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r")
_DROPPED = str.maketrans("", "", "\u200b\u200c\u200d\ufeff|\ufffe\uffff" + _CONTROLS)
# Names the tree and the layout of what is hashed: a fingerprint of another scheme never
# matches one of this.
_SCHEME = "lexbor-1\x00"


@dataclass(frozen=True)
class StoryPrint:
    """The story's region (element-child indexes from `<html>`) and the fingerprint of it."""

    path: tuple[int, ...]
    digest: str


def _squash(text: str) -> str:
    """Text with no whitespace at all, NFC as stored text is: extraction re-spaces lines
    (inline elements, <br>, indentation), never their letters. Nor table rules: it writes
    a table's cells between "|". Nor control characters: it strips them."""
    return "".join(unicodedata.normalize("NFC", text).translate(_DROPPED).split())


def _needle(line: str) -> str:
    """An extracted line as the page's text must hold it: squashed, without the "- " that
    extraction puts before a list item; "" for a line of markup alone (a table's rule)."""
    squashed = _squash(line)
    if line.lstrip().startswith("- "):
        squashed = squashed[1:]
    return squashed if any(c.isalnum() for c in squashed) else ""


def _pieces(region: LexborNode) -> list[str]:
    """The region as extraction reads it, in document order (itself included, not what
    follows it): each element's tag, class and id where it starts, a mark where it ends,
    its texts between; the subtrees extraction strips count by tag alone. Comments are no
    text. Iterative: a deep page must not exhaust Python's stack. (The hot loop of a
    fast-path check: each property read of a lexbor node costs a call.)"""
    out = [_opening(region, region.attributes)]
    for top in _shown_children(region):
        stack: list[LexborNode | None] = [top]  # None: an element's end
        while stack:
            node = stack.pop()
            if node is None:
                out.append("\x03")
                continue
            if node is not top:  # the same object pushed: `top`'s siblings are not its
                following = node.next
                if following is not None:
                    stack.append(following)
            tag = node.tag or ""
            if tag == "-text":
                out.append(node.text_content or "")
            elif tag in _NEVER:
                out.append(f"\x01{tag}\x02\x03")
            elif tag[:1] not in NOT_ELEMENT:
                out.append(_opening(node, node.attributes))
                stack.append(None)
                child = node.child
                if child is not None:
                    stack.append(child)
    out.append("\x03")
    return out


def _opening(element: LexborNode, attributes: dict[str, str | None]) -> str:
    return f"\x01{element.tag} {attributes.get('class') or ''} {attributes.get('id') or ''}\x02"


def _shown_children(region: LexborNode) -> list[LexborNode]:
    """The region's children up to its last element or text with letters: whitespace and
    comments after it are left out. A browser shows none of them at the end of a block,
    and the HTML parser moves the whitespace that follows `</html>` into `<body>`, so
    what a site appends there on some requests only would otherwise change a story held
    by `<body>`."""
    kept: list[LexborNode] = []
    shown = 0
    child = region.child
    while child is not None:
        kept.append(child)
        if is_element(child) or (child.is_text_node and (child.text_content or "").strip()):
            shown = len(kept)
        child = child.next
    return kept[:shown]


def _story_text(element: LexborNode) -> str:
    """The element's text as extraction could take it: stripped subtrees left out."""
    return "".join(p for p in _pieces(element) if p[:1] not in ("\x01", "\x03"))


def _frame(root: LexborNode, path: tuple[int, ...]) -> tuple[LexborNode | None, list[str]]:
    """The region at `path` (None when the path no longer resolves), and the page's
    structure around it: children's tags along the path, and the paragraphs of the
    region's siblings. One walk down the path finds both."""
    node, frame = root, []
    for depth, index in enumerate(path):
        last = depth == len(path) - 1
        step = None
        for position, child in enumerate(children(node)):
            paragraphs = len(child.css("p")) if last else 0
            frame.append(f"{child.tag}:{paragraphs};")
            if position == index:
                step = child
        frame.append("\x04")
        if step is None:
            return None, frame
        node = step
    return node, frame


def fingerprint(
    dom: LexborHTMLParser, path: tuple[int, ...], url: str | None, marks: Landmarks | None = None
) -> str | None:
    """The fingerprint of the region at `path` on this page; None when it is not there.
    `marks`: the tree's landmarks when the caller has gathered them already."""
    root = dom.root
    region, frame = _frame(root, path) if root is not None else (None, [])
    if region is None:
        return None
    if marks is None:
        marks = dom_landmarks(dom)
    metas, articles = meta_map(marks), jsonld_articles(marks)
    title = headline(marks, url, metas, articles)
    parts = [_SCHEME, title, "\x00", canonical_link(marks, url) or "", "\x00", *frame]
    parts.append("\x05")
    parts += _pieces(region)
    return hashlib.sha256("".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _headline_element(dom: LexborHTMLParser, title: str) -> LexborNode | None:
    """The visible headline: the first <h1> that reads as the extracted title."""
    wanted = _squash(title)
    if not wanted:
        return None
    for h1 in dom.css("h1"):
        if _squash(h1.text(deep=True)) == wanted:  # in C: headings may nest thousands deep
            return h1
    return None


def _deepest_holding(chain: list[LexborNode], holds: Callable[[LexborNode], bool]) -> int:
    """The index of the deepest element of `chain` (the root first, each the parent of the
    next; the root holds) that holds, by bisection: an element's text contains each of its
    children's, so along one line of descent holding is true down to a depth, then false.
    The descent stops above a subtree extraction never reads."""
    end = next((i for i, e in enumerate(chain) if i and e.tag in _NEVER), len(chain))
    low, high = 0, end  # chain[low] holds; nothing from chain[high] on is a candidate
    while high - low > 1:
        middle = (low + high) // 2
        if holds(chain[middle]):
            low = middle
        else:
            high = middle
    return low


def locate(
    dom: LexborHTMLParser,
    title: str,
    text: str,
    url: str | None,
    marks: Landmarks | None = None,
) -> StoryPrint | None:
    """The smallest element holding every line of the extracted `text` and the visible
    headline, as a StoryPrint; None when the page's text does not hold them all.

    With a visible headline the region is one of its ancestors, found by bisection over
    them; without one, the descent tries each child in turn.
    `marks`: the tree's landmarks when the caller has gathered them already."""
    needles = [n for n in (_needle(line) for line in text.split("\n")) if n]
    root = dom.root
    if not needles or root is None:
        return None

    def holds(element: LexborNode) -> bool:
        squashed = _squash(_story_text(element))
        return all(needle in squashed for needle in needles)

    if not holds(root):
        return None
    head = _headline_element(dom, title)
    chain = [] if head is None else [head, *ancestors(head)][::-1]
    if chain and chain[0].mem_id != root.mem_id:
        return None  # not under this tree's root (the descent would have found no region)
    if chain:
        deepest = _deepest_holding(chain, holds)
        path = tuple(_index_in_parent(e) for e in chain[1 : deepest + 1])
    else:
        node, steps = root, []
        while True:
            for index, child in enumerate(children(node)):
                if child.tag not in _NEVER and holds(child):
                    node = child
                    steps.append(index)
                    break
            else:
                break
        path = tuple(steps)
    digest = fingerprint(dom, path, url, marks)
    return StoryPrint(path, digest) if digest else None


def _index_in_parent(element: LexborNode) -> int:
    """The element's place among its parent's element children (every element of a chain
    below the root has a parent)."""
    parent = element.parent
    assert parent is not None
    wanted = element.mem_id
    return next(i for i, c in enumerate(children(parent)) if c.mem_id == wanted)

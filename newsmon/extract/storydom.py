"""The fingerprint's own tree: lexbor's (selectolax), and the few lxml element methods the
page's statements about itself are read through.

A recheck of an unchanged story parses the page only to fingerprint it again
(newsmon.extract.storyprint). That tree need not be the one extraction reads, only the
same for the same page every time, and complete; lexbor builds it in about two fifths
of libxml2's time and, being an HTML5 parser, takes control characters, `<html ... />`
and nesting past libxml2's default depth as browsers do, without trafilatura's repairs.

lexbor's tree builder slows down sharply on elements nested thousands deep (a page of
40,000 unclosed `<div>` took 3.5 s here, 100,000 took 27 s; libxml2 takes milliseconds),
which a hostile page could use to hold a worker up to its time budget on every check.
A page with more tags than any real article page (the benchmark's largest has 3,229)
gets no fingerprint tree: it is extracted in full on every check, as it was before it
had one, and costs at most a fraction of a second where it does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from selectolax.lexbor import LexborHTMLParser, LexborNode

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

    from newsmon.extract.meta import Landmarks

# More tags than this, and the page gets no fingerprint tree (see the module's docstring).
MAX_TAGS = 15_000
_LANDMARKS = ("meta", "link", "base", "title", "script", "h1")


def story_tree(source: str | bytes) -> LexborHTMLParser | None:
    """The page's tree for locating its story and fingerprinting it; bytes are read as
    UTF-8 (the served bytes of a UTF-8 page need no decoding, nor a copy). None: more tags
    than `MAX_TAGS`, or no document at all."""
    tags = source.count(b"<") if isinstance(source, bytes) else source.count("<")
    if tags > MAX_TAGS:
        return None
    dom = LexborHTMLParser(source)
    return dom if dom.root is not None else None


# How lexbor's tag names of other nodes begin: "-text", "-comment", "-document", "!doctype".
NOT_ELEMENT = ("-", "_", "!", "")


def is_element(node: LexborNode) -> bool:
    """An element, not text, a comment or the document."""
    return (node.tag or "")[:1] not in NOT_ELEMENT


def children(node: LexborNode) -> Iterator[LexborNode]:
    """The element children of `node`, in order (what an lxml element iterates over)."""
    child = node.child
    while child is not None:
        if is_element(child):
            yield child
        child = child.next


def ancestors(node: LexborNode) -> Iterator[LexborNode]:
    """The element ancestors of `node`, nearest first, up to `<html>`."""
    parent = node.parent
    while parent is not None and is_element(parent):
        yield parent
        parent = parent.parent


class LexElement:
    """A lexbor element through the part of lxml's element interface that
    newsmon.extract.meta reads (attributes, text and tail, children, text in order,
    ancestors, descendants by tag), so the page's headline and canonical link are read
    from this tree by the same code as from extraction's."""

    __slots__ = ("_attributes", "node")

    def __init__(self, node: LexborNode) -> None:
        self.node = node
        self._attributes: dict[str, str | None] | None = None

    # Two views of one element are equal (lxml gives one proxy per element while it lives).
    def __eq__(self, other: object) -> bool:
        return isinstance(other, LexElement) and other.node.mem_id == self.node.mem_id

    def __hash__(self) -> int:
        return hash(self.node.mem_id)

    @property
    def tag(self) -> str:
        return self.node.tag or ""

    def get(self, key: str, default: str | None = None) -> str | None:
        if self._attributes is None:  # read once: each read of lexbor's attributes is a call
            self._attributes = self.node.attributes
        value = self._attributes.get(key)
        return default if value is None else value

    @property
    def text(self) -> str | None:
        """The text before the first child element."""
        return _run(self.node.child)

    @property
    def tail(self) -> str | None:
        """The text after the element, before its next sibling element."""
        return _run(self.node.next)

    def __len__(self) -> int:
        return sum(1 for _ in children(self.node))

    def __getitem__(self, index: int) -> LexElement:
        for position, child in enumerate(children(self.node)):
            if position == index:
                return LexElement(child)
        raise IndexError(index)

    def __iter__(self) -> Iterator[LexElement]:
        return (LexElement(child) for child in children(self.node))

    def itertext(self) -> Iterator[str]:
        """Every text of the subtree in document order, as lxml's `itertext` gives them
        (comments are not text), gathered by lexbor in one call: nested headings make
        this quadratic in the page, which a walk in Python would pay a hundredfold.
        The HTML parser keeps no NUL in text, so NUL can part the pieces."""
        return iter(self.node.text(deep=True, separator="\x00").split("\x00"))

    def iterancestors(self) -> Iterator[LexElement]:
        return (LexElement(parent) for parent in ancestors(self.node))

    def iter(self, tag: str) -> Iterator[LexElement]:
        return (LexElement(found) for found in self.node.css(tag))


def _run(node: LexborNode | None) -> str | None:
    """The text of the consecutive text (and comment) nodes from `node` on; None if none."""
    pieces: list[str] = []
    while node is not None and not is_element(node):
        if node.is_text_node:
            pieces.append(node.text_content or "")
        node = node.next
    return "".join(pieces) if pieces else None


def dom_landmarks(dom: LexborHTMLParser) -> Landmarks:
    """The page's landmarks (newsmon.extract.meta.Landmarks) from the lexbor tree, in
    document order, found by one selector."""
    from newsmon.extract.meta import Landmarks

    found: dict[str, list[LexElement]] = {tag: [] for tag in _LANDMARKS}
    for node in dom.css(", ".join(_LANDMARKS)):
        found.setdefault(node.tag or "", []).append(LexElement(node))
    root = dom.root
    assert root is not None  # story_tree gives no tree without a root
    # LexElement reads as lxml's element for everything meta.py calls on a landmark.
    return Landmarks(
        cast("Element", LexElement(root)),
        *(cast("tuple[Element, ...]", tuple(found[tag])) for tag in _LANDMARKS),
    )

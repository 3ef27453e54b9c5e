"""One page's text to one lxml tree, however deep the page nests.

libxml2 stops building the tree about 255 elements down unless told the input is
trusted (`huge_tree`): text nested deeper was silently dropped, though browsers show
it, so an edit down there never made a version. The limit guarded against unbounded
work; here that bound is the extraction worker's time and memory budget
(newsmon.crawl.workers), not a depth at which text disappears.

trafilatura's own loader (`trafilatura.utils.load_html`) parses with a fixed parser
that keeps the limit; this does what it does (decode, repair, parse, reject what is
not HTML) with a parser that lifts it, and trafilatura takes the tree as it is.
"""

from __future__ import annotations

import functools
from typing import Any

from lxml import etree
from lxml.html import HtmlElement, HTMLParser, fromstring

from newsmon.core.charsets import ascii_transparent, codec_name

# The characters libxml2 cannot take, as trafilatura strips them before parsing
# (trafilatura.utils.INVALID_XML_CHARS): C0 controls but tab, newline and return.
_CONTROL_BYTES = bytes(c for c in range(32) if c not in (9, 10, 13))


# trafilatura's parser settings, plus `huge_tree`: no depth or text-node size cut.
_SETTINGS: dict[str, Any] = {
    "collect_ids": False,
    "default_doctype": False,
    "encoding": "utf-8",
    "remove_comments": True,
    "remove_pis": True,
    "huge_tree": True,
}


@functools.cache
def _parser() -> HTMLParser:
    return HTMLParser(**_SETTINGS)


@functools.cache
def _plain_parser() -> etree.HTMLParser:
    """The same settings, building plain elements: lxml.html's elements look their class
    up in Python for every element a walk touches, and the fingerprint needs none of
    their methods."""
    return etree.HTMLParser(**_SETTINGS)


def _parse(text: str) -> HtmlElement | None:
    """The text parsed as a string, else as UTF-8 bytes (a string that declares its own
    encoding is refused by lxml, and an empty tree may parse better from bytes)."""
    tree = None
    try:
        tree = fromstring(text, parser=_parser())
    except MemoryError:  # the worker's memory budget: not a page that fails to parse
        raise
    except Exception:  # ValueError: "Unicode strings with encoding declaration..."
        tree = None
    if tree is not None and len(tree) >= 1:
        return tree
    try:
        return fromstring(text.encode("utf-8", "surrogatepass"), parser=_parser())
    except MemoryError:
        raise
    except Exception:
        return tree


def parse_page(body: bytes | str) -> HtmlElement | None:
    """The page's tree, or None when it is not HTML at all.

    Bytes are decoded as trafilatura decodes them (its charset sniffing); the same
    repairs are applied, so a page parses here as it did in trafilatura, only deeper.
    """
    from trafilatura.utils import decode_file, is_dubious_html, repair_faulty_html

    text = decode_file(body)
    beginning = text[:50].lower()
    dubious = is_dubious_html(beginning)
    tree = _parse(repair_faulty_html(text, beginning))
    if tree is not None and dubious and len(tree) < 2:
        return None  # no <html> in sight and no structure: not a web page
    return tree


def _holds_no_invalid(text: str, raw: bytes | None, encoding: str | None) -> bool:
    """Whether `text` surely holds none of the characters libxml2 cannot take: looked
    for in the page's bytes where the encoding writes those characters as their own
    bytes (a scan of the bytes costs a fifth of a regular expression over the text)."""
    if "\ufffe" in text or "\uffff" in text or raw is None or not ascii_transparent(encoding):
        return False  # (UTF-16, EBCDIC...: a control character is not its own byte there)
    return len(raw.translate(None, _CONTROL_BYTES)) == len(raw)


def story_tree(
    text: str, raw: bytes | None = None, encoding: str | None = None
) -> etree._Element | None:
    """The page's tree for locating its story and fingerprinting it
    (newsmon.extract.storyprint): plain elements, from `text` as decoded from `raw` in
    `encoding` when those are known.

    It need not be the tree extraction reads, only the same for the same page every
    time, and complete: the characters libxml2 cannot take are stripped as trafilatura
    strips them (else the parse could end early and leave text unseen), and the rest of
    trafilatura's repairs are made only for a page that parses to nothing without them.
    Bytes that decoded as UTF-8 without a fault are parsed as they are (a tenth less
    time than the string they decoded to). A page that parses to nothing gives None.
    """
    if _holds_no_invalid(text, raw, encoding):
        if raw is not None and codec_name(encoding) == "utf-8" and "\ufffd" not in text:
            source: str | bytes = raw
        else:
            source = text
    else:
        from trafilatura.utils import INVALID_XML_CHARS

        source = INVALID_XML_CHARS.sub("", text)
    tree = _plain_tree(source)
    if tree is None:  # a page only trafilatura's repairs make readable (`<html ... />`)
        from trafilatura.utils import repair_faulty_html

        tree = _plain_tree(repair_faulty_html(text, text[:50].lower()))
    return tree


def _plain_tree(source: str | bytes) -> etree._Element | None:
    try:
        tree = etree.fromstring(source, parser=_plain_parser())
    except MemoryError:
        raise
    except Exception:  # a string that declares its own encoding; nothing to parse
        if not isinstance(source, str):
            return None
        try:
            tree = etree.fromstring(source.encode("utf-8", "surrogatepass"), _plain_parser())
        except MemoryError:
            raise
        except Exception:
            return None
    return tree if tree is not None and len(tree) else None

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

from lxml.html import HtmlElement, HTMLParser, fromstring


@functools.cache
def _parser() -> HTMLParser:
    """trafilatura's parser settings, plus `huge_tree`: no depth or text-node size cut."""
    return HTMLParser(
        collect_ids=False,
        default_doctype=False,
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
        huge_tree=True,
    )


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

"""The feeds a site's page offers in `<link rel="alternate" type="application/rss+xml">`.

This is how feed readers find a site's feeds from its address (RSS autodiscovery):
the page names them in its head. A pure function over the page's bytes; the page is
fetched elsewhere (newsmon.crawl.discovery), through the SSRF guard.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml.etree import ParserError

from newsmon.core.textclean import clean_line
from newsmon.core.urls import BadURL, canonicalize
from newsmon.guard.netguard import IPNetwork, literal_address, refusal

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml"})
MAX_LINKS = 200  # <link> elements looked at: a page cannot make us read a million
LINK_EXCERPT = 200


def feed_links(
    body: bytes, page_url: str, *, allow: Sequence[IPNetwork] = ()
) -> tuple[list[str], list[tuple[str, str]]]:
    """The canonical feed URLs a page links as alternates, in page order, and the links
    refused with why (not a URL, or an address the SSRF guard refuses).

    Relative links are read against the page's `<base href>` when it names one, else
    against `page_url` (where the page came from, after redirects). A feed on another
    host is kept: sites often serve feeds from a feeds.* host or a CDN, and the
    operator asked for what this page offers.
    """
    try:
        tree = lxml.html.document_fromstring(body)
    except (ParserError, ValueError):  # empty or not HTML: no feeds offered
        return [], []
    base = page_url
    for href in tree.xpath("//base/@href")[:1]:
        base = urljoin(page_url, clean_line(str(href)))
    found: dict[str, None] = {}
    refused: list[tuple[str, str]] = []
    for link in tree.iter("link"):
        if len(found) + len(refused) >= MAX_LINKS:
            break
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = clean_line(link.get("href") or "")
        if "alternate" not in rel or kind not in FEED_TYPES or not href:
            continue
        try:
            found.setdefault(_public_url(urljoin(base, href), tuple(allow)), None)
        except BadURL as exc:
            refused.append((href[:LINK_EXCERPT], str(exc)))
    return list(found), refused


def _public_url(link: str, allow: tuple[IPNetwork, ...]) -> str:
    url = canonicalize(link)
    address = literal_address(urlsplit(url).hostname or "")
    why = refusal(address, allow) if address is not None else None
    if why:
        raise BadURL(why)
    return url

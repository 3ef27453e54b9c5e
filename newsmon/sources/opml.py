"""OPML in and out: the sources' feeds as the outline files feed readers exchange.

Import reads with listparser (it copes with the OPML variants readers write). Export
writes one folder outline per source, each feed under it tagged `/newsmon/SLUG`, so a
round trip keeps every feed with its source; a file from another reader has no such
tag, and its feeds are grouped by site (host), the way users think of a source.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import listparser

from newsmon.core.textclean import clean_line
from newsmon.sources.registry import SourceError, SourceSpec

TAG = "newsmon"  # the category root that marks a feed's source slug in our own files
MAX_OPML_BYTES = 5 * 1024 * 1024
MAX_FEEDS = 5000


@dataclass(frozen=True)
class OpmlSource:
    """One source as written to OPML."""

    slug: str
    name: str
    homepage: str | None
    feeds: tuple[str, ...]


def _slug_for_host(url: str) -> str:
    """'https://feeds.bbci.co.uk/news' -> 'bbci-co-uk': a slug for a foreign file's site."""
    host = (urlsplit(url).hostname or "feed").lower()
    labels = host.split(".")
    while len(labels) > 2 and labels[0] in ("www", "feeds", "feed", "rss", "m"):
        labels = labels[1:]
    slug = "-".join(labels)
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in slug)[:64]


def parse_opml(data: bytes) -> list[SourceSpec]:
    """The sources an OPML file names, each with its feeds (not yet checked as URLs)."""
    if len(data) > MAX_OPML_BYTES:
        raise SourceError(f"OPML file over {MAX_OPML_BYTES // (1024 * 1024)} MB")
    parsed = listparser.parse(data)
    if not parsed.feeds:
        why = f": {parsed.bozo_exception}" if parsed.bozo else ""
        raise SourceError(f"no feeds found in the OPML file{why}")
    if len(parsed.feeds) > MAX_FEEDS:
        raise SourceError(f"OPML file names {len(parsed.feeds)} feeds; at most {MAX_FEEDS}")
    names: dict[str, str] = {}
    feeds: dict[str, list[str]] = {}
    for feed in parsed.feeds:
        url = str(feed.get("url") or "")
        ours = [c for c in feed.get("categories", []) if len(c) == 2 and c[0] == TAG]
        slug = ours[0][1] if ours else _slug_for_host(url)
        title = clean_line(str(feed.get("title") or ""))[:200]
        names.setdefault(slug, title or slug)
        feeds.setdefault(slug, []).append(url)
    return [SourceSpec(slug=s, name=names[s], feeds=tuple(urls)) for s, urls in feeds.items()]


def render_opml(sources: Iterable[OpmlSource], *, title: str = "newsmon sources") -> bytes:
    """An OPML 2.0 file of the sources and their feeds."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for source in sources:
        folder = ET.SubElement(body, "outline", text=source.name, title=source.name)
        for url in source.feeds:
            attrs = {"type": "rss", "text": source.name, "title": source.name, "xmlUrl": url}
            if source.homepage:
                attrs["htmlUrl"] = source.homepage
            attrs["category"] = f"/{TAG}/{source.slug}"
            ET.SubElement(folder, "outline", attrs)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"

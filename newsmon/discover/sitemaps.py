"""Sitemap parsing: bytes a poll fetched in, the recent article links they list out.

Many newsrooms list only their latest stories in RSS but every article in an XML
sitemap (https://www.sitemaps.org/protocol.html), often a Google News sitemap whose
`<news:news>` block carries the headline and publication date. Scrapy's
`scrapy.utils.sitemap.Sitemap` does the parsing (lxml, entities not resolved, ill-formed
XML recovered); this module adds the news fields, the cut-off and the trust boundary
the feed path has: every link canonical or rejected with its reason, every string
cleaned. Pure functions only; the fetching lives in spiders/feeds.py.

A sitemap can list 50,000 archive URLs, so only entries dated within the cut-off are
kept. Undated entries are skipped: nothing tells a story published a minute ago from
one published ten years ago, and taking them would flood the queue with the archive a
monitoring user did not ask for (news sitemaps must date every entry, and CMS sitemaps
almost always give `lastmod`). How many were skipped is reported as a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import lxml.etree
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from newsmon.core.identity import same_site
from newsmon.core.textclean import clean_line, clean_optional
from newsmon.core.urls import BadURL, canonicalize, former_canonical
from newsmon.discover.feedbytes import sanitize_document
from newsmon.discover.feeds import LINK_EXCERPT, FeedEntry, ParsedFeed
from newsmon.guard.netguard import IPNetwork, literal_address, refusal

SITEMAP_ROOTS = ("urlset", "sitemapindex")
GZIP_MAGIC = b"\x1f\x8b"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SitemapError(ValueError):
    """A sitemap body that cannot be read; the message is the feed's one-line last_error."""


@dataclass(frozen=True)
class ChildSitemap:
    """A sitemap a sitemap index points to, with its `lastmod` if it gives one."""

    url: str
    lastmod: datetime | None = None


@dataclass(frozen=True)
class ParsedSitemap:
    """One sitemap document: its recent entries (a urlset) or recent children (an index)."""

    feed: ParsedFeed
    children: tuple[ChildSitemap, ...] = ()
    is_index: bool = False


class _NewsSitemap(Sitemap):
    """Scrapy's Sitemap, also reading the `<news:news>` block it would flatten to ''."""

    __slots__ = ()

    def _process_sitemap_element(self, elem: lxml.etree._Element) -> dict[str, Any] | None:
        news: dict[str, str] = {}
        for block in elem:
            if self._get_tag_name(block) == "news":
                for part in block.iter():
                    name = self._get_tag_name(part)
                    if name in ("publication_date", "title"):
                        news[name] = "".join(part.itertext()).strip()
        found = super()._process_sitemap_element(elem)
        if found is not None:
            found.update({f"news_{k}": v for k, v in news.items()})
        return found


def decompressed(body: bytes, max_size: int) -> bytes:
    """The body, gunzipped when it starts with gzip's magic bytes (a `.xml.gz` file).

    Content-Encoding gzip is undone by Scrapy's HttpCompressionMiddleware before this;
    a file that *is* gzip arrives compressed. `max_size` bounds the decompressed size,
    as Scrapy's SitemapSpider does, so a gzip bomb costs nothing but this error.
    """
    if not body.startswith(GZIP_MAGIC):
        return body
    try:
        return gunzip(body, max_size=max_size)
    except _DecompressionMaxSizeExceeded as exc:
        raise SitemapError(
            f"gzip file larger than {max_size // 1024} KiB when decompressed (refused)"
        ) from exc
    except (OSError, EOFError, ValueError) as exc:
        raise SitemapError(f"unreadable gzip file: {clean_line(str(exc))[:200]}") from exc


def root_tag(body: bytes) -> str | None:
    """The local name of the document's root element, or None when there is none."""
    try:
        return _NewsSitemap(body).type or None
    except (lxml.etree.XMLSyntaxError, StopIteration, ValueError):
        return None


def is_sitemap(body: bytes) -> bool:
    return root_tag(body) in SITEMAP_ROOTS


def parse_date(text: str | None) -> datetime | None:
    """A W3C datetime (`2026-03-02`, `2026-03-02T08:00:00+01:00`, `...Z`) in UTC, or None.

    A date without a time is midnight UTC; a time without a zone is taken as UTC.
    """
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (ValueError, OverflowError):  # year 9999 at -05:00 overflows on the way to UTC
        return None


def _records(body: bytes) -> tuple[str, list[dict[str, Any]], str | None]:
    """The root's name, every <url>/<sitemap> record, and the first XML error, if any."""
    sitemap = _NewsSitemap(body)
    records = list(sitemap)
    errors = [e for e in sitemap.xmliter.error_log if e.level >= 2]  # ERROR and FATAL
    problem = clean_line(f"line {errors[0].line}: {errors[0].message}") if errors else None
    return sitemap.type, records, problem


def _on_site(link: str, sitemap_url: str) -> str:
    """The canonical link, when it is on the sitemap's own site (the sitemaps protocol
    allows no other host); BadURL says why not. Else one site's sitemap could file
    pages into another source."""
    canonical = canonicalize(link, sitemap_url)
    if not same_site(canonical, sitemap_url):
        raise BadURL("not on the sitemap's own site")
    return canonical


def _entry(record: dict[str, Any], url: str) -> tuple[FeedEntry, datetime | None]:
    """The record as a feed entry, and the date that says how recent it is.

    Only `news:publication_date` is a publication date; `lastmod` is when the page last
    changed (an old story edited today), so it only decides whether the entry is recent.
    """
    link = clean_line(record.get("loc") or "")
    if not link:
        raise BadURL("entry has no <loc>")
    published = parse_date(record.get("news_publication_date"))
    entry = FeedEntry(
        url=_on_site(link, url),
        title=clean_optional(record.get("news_title")),
        published_at=published,
        origin="sitemap",
        former_url=former_canonical(link, url),
    )
    return entry, published or parse_date(record.get("lastmod"))


def _recent_entries(
    records: list[dict[str, Any]], url: str, since: datetime, until: datetime | None
) -> tuple[list[FeedEntry], list[tuple[str, str]], int, int]:
    """Entries dated between `since` and `until`; the rejected links; counts of old and
    undated (a date in the future says no more than none, and would sort first)."""
    entries: dict[str, FeedEntry] = {}
    rejected: list[tuple[str, str]] = []
    old = undated = 0
    for record in records:
        try:
            entry, recency = _entry(record, url)
        except BadURL as exc:
            rejected.append((clean_line(record.get("loc") or "")[:LINK_EXCERPT], str(exc)))
            continue
        if recency is None or (until is not None and recency > until):  # dated to come
            undated += 1
        elif recency < since:
            old += 1
        else:
            entries.setdefault(entry.url, entry)
    return list(entries.values()), rejected, old, undated


def _newest_first(entries: list[FeedEntry]) -> tuple[FeedEntry, ...]:
    return tuple(sorted(entries, key=lambda e: -(e.published_at or _EPOCH).timestamp()))


def _urlset(
    records: list[dict[str, Any]], url: str, since: datetime, until: datetime | None
) -> ParsedFeed:
    entries, rejected, old, undated = _recent_entries(records, url, since, until)
    counts = [
        f"{old} older than the cut-off" if old else "",
        f"{undated} undated" if undated else "",
    ]
    warnings = [f"skipped {' and '.join(filter(None, counts))} entries"] if old or undated else []
    return ParsedFeed(
        entries=_newest_first(entries),
        skipped=len(rejected),
        rejected=tuple(rejected),
        version="sitemap",
        warnings=tuple(warnings),
    )


def _children(
    records: list[dict[str, Any]], url: str, since: datetime, limit: int
) -> tuple[tuple[ChildSitemap, ...], list[tuple[str, str]], list[str]]:
    """The index's children changed since `since` (or undated), newest first, at most `limit`."""
    found: dict[str, ChildSitemap] = {}
    rejected: list[tuple[str, str]] = []
    for record in records:
        link = clean_line(record.get("loc") or "")
        try:
            child = ChildSitemap(_on_site(link, url), parse_date(record.get("lastmod")))
        except BadURL as exc:
            rejected.append((link[:LINK_EXCERPT], str(exc)))
            continue
        if child.lastmod is None or child.lastmod >= since:
            found.setdefault(child.url, child)
    ordered = sorted(found.values(), key=lambda c: -(c.lastmod or _EPOCH).timestamp())
    warnings = [f"index lists {len(ordered)} recent sitemaps; fetched the {limit} newest"]
    return tuple(ordered[:limit]), rejected, warnings if len(ordered) > limit else []


def parse_sitemap(
    body: bytes,
    *,
    url: str,
    since: datetime,
    max_children: int = 20,
    until: datetime | None = None,
) -> ParsedSitemap:
    """Parse one (decompressed) sitemap document; never raises on bad input.

    Args:
        body: the document, gunzipped (see `decompressed`).
        url: where it came from, the base for relative links.
        since: the cut-off: entries dated before it, and children last modified
            before it, are left out.
        max_children: most children of an index to fetch, newest first.
        until: entries dated later than this (the future) count as undated.
    """
    body, removed = sanitize_document(body)  # as feeds: one NUL must not cost every entry
    try:
        kind, records, problem = _records(body)
    except (lxml.etree.XMLSyntaxError, StopIteration, ValueError) as exc:
        error = f"malformed sitemap: {clean_line(str(exc))[:200] or type(exc).__name__}"
        return ParsedSitemap(ParsedFeed(error=error, version="sitemap"))
    if kind == "sitemapindex":
        children, rejected, warnings = _children(records, url, since, max_children)
        feed = ParsedFeed(rejected=tuple(rejected), skipped=len(rejected), version="sitemapindex")
        parsed = ParsedSitemap(feed, children=children, is_index=True)
    else:
        parsed = ParsedSitemap(_urlset(records, url, since, until))
        warnings = []
    if removed:
        warnings.append(f"removed {removed} characters XML forbids (NUL, controls)")
    if problem:
        return _with_problem(parsed, problem, warnings)
    return _with_warnings(parsed, warnings)


def _with_warnings(parsed: ParsedSitemap, warnings: list[str]) -> ParsedSitemap:
    if not warnings:
        return parsed
    feed = parsed.feed
    return ParsedSitemap(
        replace(feed, warnings=feed.warnings + tuple(warnings)), parsed.children, parsed.is_index
    )


def _with_problem(parsed: ParsedSitemap, problem: str, warnings: list[str]) -> ParsedSitemap:
    """Ill-formed XML: an error when nothing could be read, else a warning beside the entries."""
    readable = parsed.feed.entries or parsed.children or parsed.feed.warnings
    if readable:
        return _with_warnings(parsed, [*warnings, f"malformed sitemap: {problem}"])
    feed = replace(parsed.feed, error=f"malformed sitemap: {problem}")
    return ParsedSitemap(feed, parsed.children, parsed.is_index)


def merged(index: ParsedFeed, parts: list[ParsedFeed], errors: list[str]) -> ParsedFeed:
    """An index's children's entries as one poll: deduplicated, newest first.

    A child that failed is a warning while another child gave entries; when every
    child failed, the first failure is the poll's error.
    """
    entries: dict[str, FeedEntry] = {}
    for part in parts:
        for entry in part.entries:
            entries.setdefault(entry.url, entry)
    rejected = index.rejected + tuple(r for part in parts for r in part.rejected)
    warnings = index.warnings + tuple(w for part in parts for w in part.warnings)
    error = None
    if errors and not parts:
        error = errors[0] if len(errors) == 1 else f"{errors[0]} (and {len(errors) - 1} more)"
    else:
        warnings += tuple(errors)
    return ParsedFeed(
        entries=_newest_first(list(entries.values())),
        error=error,
        skipped=len(rejected),
        rejected=rejected,
        version="sitemapindex",
        warnings=warnings,
    )


def sitemaps_in_robots(
    body: bytes, robots_url: str, *, fetched_url: str | None = None, allow: Sequence[IPNetwork] = ()
) -> tuple[list[str], list[tuple[str, str]]]:
    """The canonical `Sitemap:` URLs of a robots.txt, and the lines refused with why.

    Only sitemaps on the site whose robots.txt was asked for (`robots_url`, before any
    redirect) and not on an address the SSRF guard refuses (`allow` opens networks):
    a sitemap on another site would file that site's stories under this source.
    Relative lines are read against `fetched_url`, where the file came from.
    """
    found: dict[str, None] = {}
    rejected: list[tuple[str, str]] = []
    for raw in sitemap_urls_from_robots(body, base_url=fetched_url or robots_url):
        link = clean_line(raw)
        try:
            found.setdefault(_own_public_sitemap(link, robots_url, tuple(allow)), None)
        except BadURL as exc:
            rejected.append((link[:LINK_EXCERPT], str(exc)))
    return list(found), rejected


def _own_public_sitemap(link: str, robots_url: str, allow: tuple[IPNetwork, ...]) -> str:
    url = canonicalize(link)
    if not same_site(url, robots_url):
        raise BadURL("on another site than the robots.txt")
    address = literal_address(urlsplit(url).hostname or "")
    why = refusal(address, allow) if address is not None else None
    if why:
        raise BadURL(why)
    return url

"""Feed parsing: bytes that Scrapy fetched in, the article links they announce out.

feedparser handles RSS 0.9x/1.0/2.0 and Atom and survives ill-formed XML (its
"bozo" flag); we keep every entry it could read and report the problem.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from newsmon.urls import canonical_or_none

_HEADER_ONLY_PROBLEMS = {"NonXMLContentType"}


@dataclass(frozen=True)
class FeedEntry:
    """One article a feed announces."""

    url: str
    title: str | None = None
    published_at: datetime | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """The entries of one feed document, and what was wrong with it, if anything."""

    entries: tuple[FeedEntry, ...] = ()
    title: str | None = None
    error: str | None = None
    skipped: int = 0
    version: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _when(entry: Mapping[str, object]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)  # type: ignore[arg-type]
            except (TypeError, ValueError, OverflowError):
                continue
    return None


def _entry_link(entry: Mapping[str, object]) -> str | None:
    link = entry.get("link")
    if isinstance(link, str) and link.strip():
        return link
    for candidate in entry.get("links") or []:  # type: ignore[attr-defined]
        if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
            return str(candidate["href"])
    guid = entry.get("id")
    if isinstance(guid, str) and guid.startswith(("http://", "https://")):
        return guid
    return None


def parse_feed(body: bytes, *, url: str, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """Parse one feed document; never raises on bad input.

    Args:
        body: the feed as fetched.
        url: where it came from, the base for relative links.
        headers: response headers (Content-Type carries the charset).

    Returns:
        ParsedFeed with the readable entries, deduplicated by canonical URL, and
        an error message when the document was malformed or not a feed at all.
    """
    import feedparser

    try:
        parsed = feedparser.parse(
            body,
            response_headers=dict(headers or {}) | {"content-location": url},
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # feedparser promises not to raise; belt and braces
        return ParsedFeed(error=f"unparseable feed: {type(exc).__name__}: {exc}")
    base = parsed.feed.get("link") if isinstance(parsed.feed.get("link"), str) else None
    entries: dict[str, FeedEntry] = {}
    skipped = 0
    for entry in parsed.entries:
        link = _entry_link(entry)
        canonical = canonical_or_none(link, url) or canonical_or_none(link, base)
        if canonical is None:
            skipped += 1
            continue
        title = entry.get("title")
        entries.setdefault(
            canonical,
            FeedEntry(
                url=canonical, title=title.strip() if title else None, published_at=_when(entry)
            ),
        )
    error, warnings = None, ()
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        message = f"{type(exc).__name__}: {exc}" if exc else "malformed"
        # A feed served as text/html is everyday life, not a broken feed.
        if type(exc).__name__ in _HEADER_ONLY_PROBLEMS:
            warnings = (message,)
        else:
            error = f"malformed feed: {message}"
    if not parsed.get("version") and not entries:
        error = error or "not a feed: no RSS or Atom content found"
    return ParsedFeed(
        entries=tuple(entries.values()),
        title=parsed.feed.get("title"),
        error=error,
        skipped=skipped,
        version=parsed.get("version", ""),
        warnings=warnings,
    )

"""Feed parsing: bytes that Scrapy fetched in, the article links they announce out.

feedparser handles RSS 0.9x/1.0/2.0 and Atom and survives ill-formed XML (its
"bozo" flag); we keep every entry it could read and report the problem. This is
a trust boundary: every string leaves cleaned, every link canonical or rejected
with its reason, so one bad entry costs that entry only.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from newsmon.core.textclean import clean_line, clean_optional
from newsmon.core.urls import BadURL, canonicalize, former_canonical
from newsmon.discover.feedbytes import sanitize_document
from newsmon.extract.language import normalize_tag

LINK_EXCERPT = 100

_HEADER_ONLY_PROBLEMS = {"NonXMLContentType"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedEntry:
    """One article a feed or sitemap announces; `origin` is where its date came from."""

    url: str
    title: str | None = None
    published_at: datetime | None = None
    origin: str = "feed"  # one of models.DATE_ORIGINS: "feed" or "sitemap"
    former_url: str | None = None  # its spelling before paths were normalised, if other


@dataclass(frozen=True)
class ParsedFeed:
    """The entries of one feed document, and what was wrong with it, if anything."""

    entries: tuple[FeedEntry, ...] = ()
    title: str | None = None
    error: str | None = None
    skipped: int = 0  # len(rejected), kept for callers that only count
    rejected: tuple[tuple[str, str], ...] = ()  # (excerpt of the link, why it was refused)
    version: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)
    language: str | None = None  # the feed's `<language>` or `xml:lang`, a BCP 47 tag


def _when(entry: Mapping[str, object]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value and isinstance(value, tuple):  # feedparser's time.struct_time
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (TypeError, ValueError, OverflowError):
                continue
    return None


def _entry_link(entry: Mapping[str, object]) -> str | None:
    link = entry.get("link")
    if isinstance(link, str) and link.strip():
        return link
    links = entry.get("links")
    for candidate in links if isinstance(links, list) else []:
        if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
            return str(candidate["href"])
    guid = entry.get("id")
    if isinstance(guid, str) and guid.startswith(("http://", "https://")):
        return guid
    return None


def _canonical_link(link: str | None, bases: tuple[str | None, ...]) -> tuple[str, str | None]:
    """The entry's link made canonical against the feed's URL, then its declared home;
    with its former spelling (`former_canonical`)."""
    if not link:
        raise BadURL("entry has no link")
    first: BadURL | None = None
    for base in dict.fromkeys(bases):
        try:
            return canonicalize(link, base), former_canonical(link, base)
        except BadURL as exc:
            first = first or exc
    raise first or BadURL("entry has no link")


def _newest_first(entries: list[FeedEntry]) -> tuple[FeedEntry, ...]:
    """Dated entries newest first, then undated ones in document order (a stable sort)."""
    return tuple(
        sorted(
            entries,
            key=lambda e: (e.published_at is None, -(e.published_at or _EPOCH).timestamp()),
        )
    )


def _read_entries(
    raw_entries: list[Mapping[str, object]], bases: tuple[str | None, ...]
) -> tuple[list[FeedEntry], list[tuple[str, str]]]:
    entries: dict[str, FeedEntry] = {}
    rejected: list[tuple[str, str]] = []
    for entry in raw_entries:
        link = _entry_link(entry)
        link = clean_line(link) if link else None
        try:
            canonical, former = _canonical_link(link, bases)
        except BadURL as exc:
            rejected.append(((link or "")[:LINK_EXCERPT], str(exc)))
            continue
        entries.setdefault(
            canonical,
            FeedEntry(
                url=canonical,
                title=clean_optional(entry.get("title")),
                published_at=_when(entry),
                former_url=former,
            ),
        )
    return list(entries.values()), rejected


def _problem(parsed: Mapping[str, object]) -> tuple[str | None, tuple[str, ...]]:
    """What feedparser's bozo flag says: an error, a mere warning, or nothing."""
    if not parsed.get("bozo"):
        return None, ()
    exc = parsed.get("bozo_exception")
    message = clean_line(f"{type(exc).__name__}: {exc}") if exc else "malformed"
    # A feed served as text/html is everyday life, not a broken feed.
    if type(exc).__name__ in _HEADER_ONLY_PROBLEMS:
        return None, (message,)
    return f"malformed feed: {message}", ()


def parse_feed(body: bytes, *, url: str, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """Parse one feed document; never raises on bad input.

    Args:
        body: the feed as fetched.
        url: where it came from, the base for relative links.
        headers: response headers (Content-Type carries the charset).

    Returns:
        ParsedFeed with the readable entries (deduplicated by canonical URL, newest
        first), the rejected ones with their reasons, and an error message when
        the document was malformed or not a feed at all.
    """
    import feedparser

    body, removed = sanitize_document(body)
    try:
        parsed = feedparser.parse(
            body,
            response_headers=dict(headers or {}),  # links resolve against `url` here, where a
            # mangled one is rejected with its reason instead of silently dropped
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # feedparser promises not to raise; belt and braces
        return ParsedFeed(error=clean_line(f"unparseable feed: {type(exc).__name__}: {exc}"))
    home = parsed.feed.get("link")
    entries, rejected = _read_entries(
        parsed.entries, (url, home if isinstance(home, str) else None)
    )
    error, warnings = _problem(parsed)
    if removed:
        warnings += (f"removed {removed} characters XML forbids (NUL, controls, lone surrogates)",)
    if not parsed.get("version") and not entries:
        error = error or "not a feed: no RSS or Atom content found"
    return ParsedFeed(
        entries=_newest_first(entries),
        title=clean_optional(parsed.feed.get("title")),
        error=error,
        skipped=len(rejected),
        rejected=tuple(rejected),
        version=parsed.get("version", ""),
        warnings=warnings,
        language=normalize_tag(parsed.feed.get("language")),
    )

"""What crosses between the database, the spiders and the pipelines: plain values only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from newsmon.discover.feeds import ParsedFeed
from newsmon.record.reading import Reading


@dataclass(frozen=True)
class FeedTask:
    """A feed due for polling, as the feed spider needs it."""

    feed_id: int
    source_id: int
    url: str
    etag: str | None = None
    last_modified: str | None = None
    min_interval: timedelta | None = None  # the source's floor, set by the spider


@dataclass(frozen=True)
class ArticleTask:
    """An article due for a check, as the article spider needs it."""

    article_id: int
    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_raw_key: str | None = None
    story_anchor: str | None = None  # JSON: newsmon.record.reading.StoryAnchor
    latest_hash: str | None = None
    latest_extractor: str | None = None
    source_id: int | None = None
    # The article's state when claimed: a check that finds nothing new writes on this
    # footing without reading the row again (newsmon.record.check.record_quiet_check).
    status: str | None = None
    quiet_since: datetime | None = None
    min_interval: timedelta | None = None  # the source's floor, set by the spider


@dataclass
class FeedPolled:
    """The result of fetching one feed."""

    task: FeedTask
    fetched_at: datetime
    status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    parsed: ParsedFeed | None = None
    not_modified: bool = False
    error: str | None = None
    kind: str | None = None  # "feed" or "sitemap" when the body was recognised as one


@dataclass
class PageItem:
    """One article fetch: the spider fills in the answer, the extract pipeline its
    `reading` (or an `error`); newsmon.record.check decides what it means."""

    task: ArticleTask
    fetched_at: datetime
    url: str
    status: int | None = None
    duration_ms: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    body: bytes = b""
    encoding: str | None = None
    not_modified: bool = False
    error: str | None = None
    reading: Reading | None = None  # None for a 304 and for a failed check

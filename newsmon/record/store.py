"""What crawls write: discovered articles, feed polls, the freeze sweep and check pruning.

Claims of due work live in newsmon.crawl.claims. Each public function is one short
transaction's worth of work on a session the caller opened; the caller commits.
Checked pages are stored by newsmon.record.check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.orm import Session

from newsmon.core.identity import takes_over
from newsmon.core.outcomes import ArticleStatus, EventKind
from newsmon.core.urls import canonical_or_none, former_canonical
from newsmon.discover.feeds import FeedEntry
from newsmon.record.article_urls import (
    Known,
    PublishedBy,
    claim_url,
    insert_articles,
    known_urls,
    source_sites,
    take_over,
    yield_canonical,
)
from newsmon.record.articledates import open_to_feed_dates
from newsmon.record.items import FeedPolled
from newsmon.record.policy import FeedPolicy, RecheckPolicy
from newsmon.sources.language import learn_feed_language
from newsmon.storage.db import rowcount
from newsmon.storage.models import (
    Article,
    ArticleEvent,
    ArticleUrl,
    Check,
    Feed,
    Source,
    UTCDateTime,
)


@dataclass(frozen=True)
class FeedOutcome:
    """What one feed poll added."""

    new_articles: int
    error: str | None


def article_for_url(session: Session, url: str) -> Article | None:
    """The article known under `url` (any of its known URLs), canonicalised first.

    Also under its former spelling (`former_canonical`): an article stored before
    paths were normalised keeps the URL it was stored under, and still answers to it.
    """
    canonical = canonical_or_none(url)
    if canonical is None:
        return None
    spellings = [canonical, former_canonical(url) or canonical]
    article_id = session.scalar(
        select(ArticleUrl.article_id)
        .where(ArticleUrl.url.in_(spellings))
        .order_by(ArticleUrl.url != canonical)
        .limit(1)
    )
    return session.get(Article, article_id) if article_id else None


def _known_by_former_spelling(
    session: Session, entries: Sequence[FeedEntry], known: dict[str, Known]
) -> None:
    """Entries whose article was stored under the URL's former spelling find it there.

    The normalised URL becomes one of that article's URLs (so the next poll finds it
    directly) instead of a second article of the same story; `known` is updated in place.
    """
    former = {e.former_url: e.url for e in entries if e.former_url and e.url not in known}
    for old, seen in known_urls(session, list(former)).items():
        url = former[old]
        if url not in known and claim_url(session, url, seen.article_id) == seen.article_id:
            known[url] = seen


def _article_row(source_id: int, entry: FeedEntry, now: datetime) -> dict[str, Any]:
    return {
        "source_id": source_id,
        "url": entry.url,
        "first_seen_at": now,
        "quiet_since": now,
        "published_at": entry.published_at,
        "published_from": entry.origin if entry.published_at else None,
        "title": entry.title,
        "status": ArticleStatus.ACTIVE.value,
        "next_check_at": now,
        "version_count": 0,
        "consecutive_errors": 0,
        "consecutive_missing": 0,
    }


def add_entries(
    session: Session, *, source_id: int, entries: Sequence[FeedEntry], now: datetime
) -> int:
    """Store one chunk of a feed's entries as articles, due at once; returns how many are new.

    Callers keep chunks small (a few hundred): each is one transaction of a few
    statements, so a huge feed never holds the database's write lock for long. A URL
    another crawl inserts at the same moment is skipped, not an IntegrityError.
    """
    if session.get(Source, source_id) is None:  # removed while the crawl ran
        return 0
    known = known_urls(session, [entry.url for entry in entries])
    for url, held in list(known.items()):
        if held.source_id != source_id and yield_canonical(session, url, held.article_id):
            del known[url]
    _known_by_former_spelling(session, entries, known)
    _take_over_own_stories(session, source_id, entries, known, now)
    for entry in entries:
        seen = known.get(entry.url)
        # Another feed of the same source dates it; another source's feed never does.
        if seen and seen.source_id == source_id and seen.undated and entry.published_at:
            session.execute(
                update(Article)
                .where(Article.id == seen.article_id, open_to_feed_dates())
                .values(published_at=entry.published_at, published_from=entry.origin)
            )
    fresh = {entry.url: entry for entry in entries if entry.url not in known}
    rows = [_article_row(source_id, entry, now) for entry in fresh.values()]
    return insert_articles(session, rows)


def _take_over_own_stories(
    session: Session,
    source_id: int,
    entries: Sequence[FeedEntry],
    known: dict[str, Known],
    now: datetime,
) -> None:
    """Stories of this source's own site that a source on another site listed first
    become this source's (newsmon.core.identity.takes_over); `known` is updated in place."""
    others = {url: seen for url, seen in known.items() if seen.source_id != source_id}
    if not others:
        return
    sites = source_sites(session, {source_id, *(seen.source_id for seen in others.values())})
    by_url = {entry.url: entry for entry in entries}
    for url, seen in others.items():
        if not takes_over(url, lister_sites=sites[source_id], holder_sites=sites[seen.source_id]):
            continue
        entry = by_url[url]
        published = PublishedBy(entry.published_at, entry.origin if entry.published_at else None)
        if take_over(session, known=seen, source_id=source_id, now=now, published=published):
            known[url] = Known(seen.article_id, source_id, undated=False)


def record_feed_poll(
    session: Session, *, result: FeedPolled, policy: FeedPolicy, added: int = 0
) -> FeedOutcome:
    """Store a feed poll's validators, health and next poll; its entries went in before.

    `added` is how many new articles the poll's `add_entries` chunks stored.
    """
    feed = session.get(Feed, result.task.feed_id)
    if feed is None:  # removed while the crawl ran
        return FeedOutcome(0, None)
    now = result.fetched_at
    if result.parsed is not None:
        feed.entries_seen = len(result.parsed.entries)
        if result.parsed.language and _speaks_for_source(session, feed):
            learn_feed_language(feed.source, result.parsed.language)
    error = result.error or (result.parsed.error if result.parsed else None)
    usable = result.not_modified or bool(result.parsed and result.parsed.entries)
    feed.consecutive_errors = 0 if usable or error is None else feed.consecutive_errors + 1
    feed.last_error = error
    if result.kind:  # what the URL served decides: a sitemap or a feed
        feed.kind = result.kind
    feed.last_status = result.status
    feed.last_polled_at = now
    if result.etag or result.last_modified or not result.not_modified:
        feed.etag, feed.last_modified = result.etag, result.last_modified
    feed.next_poll_at = policy.next_poll(now=now, consecutive_errors=feed.consecutive_errors)
    feed.lease_until = feed.lease_owner = None
    return FeedOutcome(added, error)


def _speaks_for_source(session: Session, feed: Feed) -> bool:
    """A source's first feed states its language; its other feeds only fill one in when
    none is known, so a source with editions in two languages does not switch on every
    poll (and with it every page's `lang` and every feed's ETag)."""
    first = session.scalar(select(func.min(Feed.id)).where(Feed.source_id == feed.source_id))
    return feed.id == first or feed.source.language is None


def freeze_quiet(session: Session, *, now: datetime, policy: RecheckPolicy) -> int:
    """Freeze every active article quiet for the freeze age: one set-based statement."""
    cutoff_quiet = Article.quiet_since <= policy.freeze_cutoff(now)
    session.execute(  # the events first, from the same set the UPDATE below freezes
        insert(ArticleEvent).from_select(
            ["article_id", "kind", "at"],
            select(Article.id, literal(EventKind.FROZEN.value), literal(now, UTCDateTime())).where(
                Article.status == ArticleStatus.ACTIVE, cutoff_quiet
            ),
        )
    )
    result = session.execute(
        update(Article)
        .where(Article.status == ArticleStatus.ACTIVE, cutoff_quiet)
        .values(status=ArticleStatus.FROZEN, frozen_at=now, next_check_at=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Article)
        .where(
            Article.status == ArticleStatus.GONE, Article.next_check_at.is_not(None), cutoff_quiet
        )
        .values(next_check_at=None)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


def prune_checks(session: Session, *, now: datetime, keep: timedelta) -> int:
    result = session.execute(delete(Check).where(Check.at < now - keep))
    return rowcount(result)

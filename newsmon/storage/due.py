"""What "due" means, as SQL conditions: the one rule the claims and the due counts share."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from newsmon.core.outcomes import ArticleStatus
from newsmon.storage.models import Article, Feed, Source

# A moment or a status: a value, or a bound parameter of a statement built once.
Moment = datetime | ColumnElement[datetime]
Status = str | ColumnElement[str]

# Articles in these states are still checked.
CHECKED_STATUSES = (ArticleStatus.ACTIVE, ArticleStatus.GONE)


def lease_free(column: InstrumentedAttribute[datetime | None], now: Moment) -> ColumnElement[bool]:
    """No crawler holds the row: never leased, or its lease has run out."""
    return or_(column.is_(None), column < now)


def article_due(now: Moment, status: Status) -> ColumnElement[bool]:
    """An article in `status` whose next check has come and that no crawler holds."""
    return and_(
        Article.status == status, Article.next_check_at <= now, lease_free(Article.lease_until, now)
    )


def article_unchecked_due(now: Moment) -> ColumnElement[bool]:
    """An article never fetched yet whose first check has come and that no crawler holds.

    Written so that both databases read it from the partial index of unchecked articles
    (ix_articles_unchecked_next_check_at): SQLite would take the status index for an
    equality on `status`, so the state is excluded (never fetched means active or, 40
    days unseen, frozen) rather than named.
    """
    return and_(
        Article.last_checked_at.is_(None),
        Article.next_check_at <= now,
        Article.status != ArticleStatus.FROZEN,
        lease_free(Article.lease_until, now),
    )


def feed_claimable(now: Moment) -> ColumnElement[bool]:
    """An unpaused feed of an enabled (unpaused) source that no crawler holds (joined to
    its source)."""
    return and_(Source.enabled.is_(True), Feed.paused.is_(False), lease_free(Feed.lease_until, now))


def feed_due(now: Moment) -> ColumnElement[bool]:
    """A claimable feed whose next poll has come (joined to its source)."""
    return and_(feed_claimable(now), Feed.next_poll_at <= now)

"""How much work is due now: what `newsmon crawl`'s progress bar adds to its total."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsmon.storage.due import CHECKED_STATUSES, article_due, feed_due
from newsmon.storage.models import Article, Feed, Source


def due_count(session: Session, *, now: datetime) -> int:
    """Feeds and articles a crawler could claim at `now`, by the claims' own rule."""
    articles = sum(
        session.scalar(select(func.count()).select_from(Article).where(article_due(now, status)))
        or 0
        for status in CHECKED_STATUSES
    )
    feeds = session.scalar(select(func.count()).select_from(Feed).join(Source).where(feed_due(now)))
    return articles + (feeds or 0)

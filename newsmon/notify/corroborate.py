"""Edits held back until the source's other articles show whether they are a template's.

A template change is recognised when the fifth article of a source shows the same new
lines within the window (newsmon.record.templatechange); the first four were classed
`edit` when they came in. Sent at once, a redesign would still reach subscribers four
times. So a version whose change could be a template's (an `edit` that changed only a
few short lines: it has `changed_blocks`) is held until CORROBORATE other articles of
its source have been checked after it was captured (the record stage made them due at
once): by then, either the window has classed it `template` (no longer matched), or
its siblings did not show the same lines and it is the article's own edit, sent.

A real edit therefore waits for one crawl of a few sibling pages (seconds to a minute
in a running service), and never longer than HOLD_AT_MOST: a source whose siblings
cannot be checked (paused, failing) does not keep a real edit from subscribers.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from newsmon.core.outcomes import ArticleStatus, ChangeClass, CheckOutcome
from newsmon.record.templatechange import CORROBORATE
from newsmon.storage.models import Article, Check, Version

HOLD_AT_MOST = timedelta(minutes=30)


def awaiting_siblings(session: Session, ids: Collection[int], *, now: datetime) -> set[int]:
    """Those of `ids` that could still turn out to be a template change."""
    if not ids:
        return set()
    candidates = session.execute(
        select(Version.id, Version.captured_at, Article.id, Article.source_id)
        .join(Article, Article.id == Version.article_id)
        .where(
            Version.id.in_(ids),
            Version.change_class == ChangeClass.EDIT,
            Version.changed_blocks.is_not(None),
            Version.captured_at > now - HOLD_AT_MOST,
        )
    ).all()
    held = set()
    for version_id, captured_at, article_id, source_id in candidates:
        if _checked_siblings(session, article_id, source_id, captured_at) < _needed(
            session, article_id, source_id
        ):
            held.add(version_id)
    return held


def _checked_siblings(session: Session, article_id: int, source_id: int, after: datetime) -> int:
    """Other articles of the source read since the version was captured (a failed fetch
    shows nothing). A check at the same instant counts: it read what the site served then,
    and the record's writes of one pass are not ordered by when their pages were fetched."""
    sibling = aliased(Article)
    return (
        session.scalar(
            select(func.count(func.distinct(Check.article_id)))
            .join(sibling, sibling.id == Check.article_id)
            .where(
                sibling.source_id == source_id,
                sibling.id != article_id,
                Check.at >= after,
                Check.outcome != CheckOutcome.ERROR,
            )
        )
        or 0
    )


def _needed(session: Session, article_id: int, source_id: int) -> int:
    """CORROBORATE, or fewer when the source has fewer other active articles that
    `corroborate` would make due (those backed off after failures are left alone)."""
    others = session.scalar(
        select(func.count(Article.id)).where(
            Article.source_id == source_id,
            Article.id != article_id,
            Article.status == ArticleStatus.ACTIVE,
            Article.consecutive_errors == 0,
        )
    )
    return min(CORROBORATE, others or 0)

"""Changes held back from notifications while their source's extraction is degraded.

A version is held when its source is degraded (newsmon.record.health) and it was
captured since the trouble began: a stub of a story or a page of chrome is not news
to send. Held versions stay stored, shown and searchable; when the source recovers or
an operator releases it, each subscription is told of the held versions it matches,
as it would have been.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsmon.notify.deliveries import pending
from newsmon.notify.rules import match_query
from newsmon.search.sql import conditions
from newsmon.storage.models import Article, Delivery, Source, SourceEvent, Subscription, Version


def held_ids(session: Session, ids: Collection[int]) -> set[int]:
    """Those of `ids` whose source is degraded and that were captured since it degraded."""
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Version.id)
            .join(Article, Article.id == Version.article_id)
            .join(Source, Source.id == Article.source_id)
            .where(
                Version.id.in_(ids),
                Source.degraded_since.is_not(None),
                Version.captured_at >= Source.degraded_since,
            )
        )
    )


def release(session: Session, *, source_id: int, since: datetime, now: datetime) -> int:
    """Deliveries for the source's versions held since `since`, for every subscription they
    match and that has passed them by; how many were added."""
    added = 0
    for sub in session.scalars(select(Subscription).order_by(Subscription.id)):
        query = match_query(source=sub.source, change_class=sub.change_class, query=sub.query)
        told = select(Delivery.version_id).where(
            Delivery.subscription_id == sub.id,
            Delivery.version_id.is_not(None),  # a source event's: NOT IN would match nothing
        )
        ids = session.scalars(
            select(Version.id)
            .join(Article, Article.id == Version.article_id)
            .join(Source, Source.id == Article.source_id)
            .where(
                Article.source_id == source_id,
                Version.captured_at >= since,
                Version.id <= (sub.last_version_id or 0),
                Version.id.not_in(told),
                *conditions(session, query),
            )
            .order_by(Version.id)
        ).all()
        session.add_all(pending(sub.id, ids, now))
        added += len(ids)
    return added


def release_source(session: Session, *, slug: str, now: datetime) -> int | None:
    """An operator's release of a degraded source: its held changes are sent, its alarm is
    cleared (until the next watch finds it degraded again); None if it is not degraded."""
    source = session.scalar(select(Source).where(Source.slug == slug))
    if source is None or source.degraded_since is None:
        return None
    since = source.degraded_since
    source.degraded_since = source.degraded_reason = None
    session.add(SourceEvent(source_id=source.id, kind="released", at=now, detail="by an operator"))
    session.flush()
    return release(session, source_id=source.id, since=since, now=now)

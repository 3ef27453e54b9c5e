"""Source events told to subscriptions: extraction degraded or recovered, template changed.

A subscriber who stops hearing of a source must be able to tell a quiet source from a
broken one: while a source is degraded its changes are held (newsmon.notify.held), and
a redesign's versions are classed `template` and not sent. So these events reach every
subscription that has `events` on (the default), for its `--source` only or, without
one, for every source; `--class` and `--query` select versions and do not apply. Each
event is enqueued once per subscription (its `last_event_id` cursor), and then sent
with the same retries and log as a version.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsmon.notify.deliveries import pending
from newsmon.notify.rules import EventFacts
from newsmon.storage.models import Delivery, Source, SourceEvent, Subscription

EVENT_KINDS = ("degraded", "recovered", "released", "template_changed")


def newest_event(session: Session) -> int:
    return session.scalar(select(func.max(SourceEvent.id))) or 0


def enqueue_events(session: Session, subs: list[Subscription], *, now: datetime) -> int:
    """A pending delivery for every new event of the kinds told, per subscription that
    wants events; every subscription's cursor moves to the newest event."""
    newest = newest_event(session)
    added = 0
    for sub in subs:
        if sub.events and newest > sub.last_event_id:
            query = (
                select(SourceEvent.id)
                .join(Source, Source.id == SourceEvent.source_id)
                .where(
                    SourceEvent.id > sub.last_event_id,
                    SourceEvent.id <= newest,
                    SourceEvent.kind.in_(EVENT_KINDS),
                )
                .order_by(SourceEvent.id)
            )
            if sub.source:
                query = query.where(Source.slug == sub.source)
            ids = session.scalars(query).all()
            session.add_all(pending(sub.id, (), now, event_ids=ids))
            added += len(ids)
        sub.last_event_id = max(newest, sub.last_event_id)
    return added


def event_facts(session: Session, delivery_ids: list[int]) -> dict[int, EventFacts]:
    """delivery id -> what its source event says, for the event deliveries among them."""
    if not delivery_ids:
        return {}
    rows = session.execute(
        select(Delivery.id, Source.slug, SourceEvent)
        .join(SourceEvent, SourceEvent.id == Delivery.source_event_id)
        .join(Source, Source.id == SourceEvent.source_id)
        .where(Delivery.id.in_(delivery_ids))
    )
    return {
        d_id: EventFacts(
            event_id=event.id, source=slug, kind=event.kind, at=event.at, detail=event.detail or ""
        )
        for d_id, slug, event in rows
    }

"""Subscriptions and the delivery log in the database: each function one short unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from newsmon.notify.corroborate import awaiting_siblings
from newsmon.notify.deliveries import pending
from newsmon.notify.held import held_ids
from newsmon.notify.rules import (
    ChangeFacts,
    EventFacts,
    SubscriptionError,
    is_webhook,
    match_query,
    new_secret,
    next_attempt,
)
from newsmon.notify.sourceevents import enqueue_events, event_facts, newest_event
from newsmon.search.sql import matching_versions
from newsmon.storage.models import Article, Delivery, Source, Subscription, Version

ENQUEUE_BATCH = 500
# A claimed delivery is not due again for this long: another process (PostgreSQL fleet)
# skips it, and a process killed mid-send leaves it to be retried after the claim.
CLAIM = timedelta(minutes=5)


def add_subscription(
    session: Session,
    *,
    url: str,
    now: datetime,
    source: str | None = None,
    change_class: str | None = None,
    query: str | None = None,
    secret: str | None = None,
    events: bool = True,
) -> Subscription:
    """A new subscription, told only of versions stored from now on.

    A webhook without a secret gets a generated one (shown once by the CLI).
    """
    match_query(source=source, change_class=change_class, query=query)  # fail early
    if source and session.scalar(select(Source.id).where(Source.slug == source)) is None:
        raise SubscriptionError(f"there is no source '{source}'")
    if is_webhook(url):
        secret = secret or new_secret()
    elif secret:
        raise SubscriptionError("--secret signs webhooks; an apprise destination has none")
    elif not _apprise_knows(url):
        raise SubscriptionError(f"neither http(s) nor a destination apprise knows: {url}")
    newest = session.scalar(select(func.max(Version.id))) or 0
    sub = Subscription(
        url=url,
        secret=secret,
        source=source,
        change_class=change_class,
        query=query,
        created_at=now,
        last_version_id=newest,
        events=events,
        last_event_id=newest_event(session),
    )
    session.add(sub)
    session.flush()
    return sub


def _apprise_knows(url: str) -> bool:
    import apprise

    return bool(apprise.Apprise().add(url))


def remove_subscription(session: Session, subscription_id: int) -> None:
    sub = session.get(Subscription, subscription_id)
    if sub is None:
        raise SubscriptionError(f"there is no subscription {subscription_id}")
    session.delete(sub)


def subscriptions(session: Session) -> list[Subscription]:
    return list(session.scalars(select(Subscription).order_by(Subscription.id)))


def enqueue(session: Session, *, now: datetime) -> int:
    """Add a pending delivery for every new version each subscription matches.

    Subscriptions are locked while enqueued (PostgreSQL), so two processes never
    enqueue the same version twice.
    """
    added = 0
    newest = session.scalar(select(func.max(Version.id))) or 0
    subs = list(
        session.scalars(
            select(Subscription).order_by(Subscription.id).with_for_update(skip_locked=True)
        )
    )
    added += enqueue_events(session, subs, now=now)
    for sub in subs:
        query = match_query(source=sub.source, change_class=sub.change_class, query=sub.query)
        ids = matching_versions(
            session, query, after_id=sub.last_version_id, up_to=newest, limit=ENQUEUE_BATCH
        )
        held = held_ids(session, ids)  # told when the source recovers (newsmon.notify.held)
        # may be a template change: looked at again next round (newsmon.notify.corroborate)
        waiting = awaiting_siblings(session, ids, now=now)
        told = _told(session, sub.id, ids)
        sent = [v for v in ids if v not in held and v not in waiting and v not in told]
        session.add_all(pending(sub.id, sent, now))
        added += len(sent)
        # A full batch may hide more matches: carry on from the last one next round.
        sub.last_version_id = ids[-1] if len(ids) == ENQUEUE_BATCH else newest
        if waiting:
            sub.last_version_id = min(sub.last_version_id, min(waiting) - 1)
    return added


def _told(session: Session, subscription_id: int, ids: list[int]) -> set[int]:
    """Those of `ids` the subscription already has a delivery of (looked at again after
    a hold, newer versions come round twice)."""
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Delivery.version_id).where(
                Delivery.subscription_id == subscription_id, Delivery.version_id.in_(ids)
            )
        )
    )


@dataclass(frozen=True)
class Job:
    """One delivery attempt to make: where, how, and what to say."""

    delivery_id: int
    url: str
    secret: str | None
    facts: ChangeFacts | EventFacts


def due(session: Session, *, now: datetime, limit: int) -> list[Job]:
    """Claim up to `limit` deliveries due now, taking turns between subscriptions.

    Each subscription's due deliveries are numbered oldest first, and a round takes
    every subscription's first, then every one's second, and so on: one busy
    subscription's backlog never crowds the others out of a round.
    """
    turn = (
        func.row_number()
        .over(
            partition_by=Delivery.subscription_id,
            order_by=(Delivery.next_attempt_at, Delivery.id),
        )
        .label("turn")
    )
    ranked = (
        select(Delivery.id, Delivery.next_attempt_at, turn)
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
        .subquery()
    )
    picked = (
        select(ranked.c.id)
        .order_by(ranked.c.turn, ranked.c.next_attempt_at, ranked.c.id)
        .limit(limit)
    )
    rows = session.execute(
        select(Delivery.id, Subscription.url, Subscription.secret, Version, Article, Source.slug)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .join(Version, Version.id == Delivery.version_id)
        .join(Article, Article.id == Version.article_id)
        .join(Source, Source.id == Article.source_id)
        # The due test again on the locked row: another process may have claimed it since.
        .where(
            Delivery.id.in_(picked),
            Delivery.status == "pending",
            Delivery.next_attempt_at <= now,
        )
        .order_by(Delivery.id)
        .with_for_update(skip_locked=True, of=Delivery)
    ).all()
    events = event_facts(session, _claimed_events(session, picked, now))
    claimed = [row[0] for row in rows] + list(events)
    if claimed:
        session.execute(
            update(Delivery).where(Delivery.id.in_(claimed)).values(next_attempt_at=now + CLAIM)
        )
    jobs = [
        Job(
            delivery_id=d_id,
            url=url,
            secret=secret,
            facts=ChangeFacts(
                article_id=a.id,
                url=a.url,
                title=v.title,
                source=slug,
                number=v.number,
                change_class=v.change_class,
                words_added=v.words_added,
                words_removed=v.words_removed,
                captured_at=v.captured_at,
            ),
        )
        for d_id, url, secret, v, a, slug in rows
    ]
    where = session.execute(
        select(Delivery.id, Subscription.url, Subscription.secret)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .where(Delivery.id.in_(events))
    )
    dest = {d_id: (url, secret) for d_id, url, secret in where}
    jobs += [Job(d_id, *dest[d_id], facts) for d_id, facts in events.items()]
    return sorted(jobs, key=lambda job: job.delivery_id)


def _claimed_events(session: Session, picked: Select[tuple[int]], now: datetime) -> list[int]:
    """The source-event deliveries among those picked, locked as the version ones are."""
    return list(
        session.scalars(
            select(Delivery.id)
            .where(
                Delivery.id.in_(picked),
                Delivery.source_event_id.is_not(None),
                Delivery.status == "pending",
                Delivery.next_attempt_at <= now,
            )
            .with_for_update(skip_locked=True)
        )
    )


@dataclass(frozen=True)
class Outcome:
    """How one attempt went."""

    delivery_id: int
    ok: bool
    status: int | None = None
    error: str | None = None


def record(session: Session, outcome: Outcome, *, now: datetime) -> None:
    """Mark the delivery delivered, due again after a backoff, or failed a day after its
    first attempt."""
    delivery = session.get(Delivery, outcome.delivery_id)
    if delivery is None:  # its subscription was removed meanwhile
        return
    delivery.attempts += 1
    first = delivery.first_attempt_at = delivery.first_attempt_at or now
    delivery.last_attempt_at = now
    delivery.response_status = outcome.status
    delivery.last_error = outcome.error[:2000] if outcome.error else None
    if outcome.ok:
        delivery.status, delivery.next_attempt_at = "delivered", None
        return
    retry = next_attempt(attempts=delivery.attempts, first_attempt_at=first, now=now)
    delivery.next_attempt_at = retry
    if retry is None:
        delivery.status = "failed"


def delivery_log(session: Session, *, limit: int = 50) -> list[tuple[Delivery, str]]:
    """The newest deliveries with their destination, newest first."""
    rows = session.execute(
        select(Delivery, Subscription.url)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .order_by(Delivery.id.desc())
        .limit(limit)
    )
    return [(d, url) for d, url in rows]


def changes_named(session: Session, version_ids: list[int | None]) -> dict[int, tuple[str, int]]:
    """version id -> (article URL, version number), so a log speaks of 'URL version 0→1'
    the way every page does, not of internal row ids."""
    wanted = [v for v in version_ids if v is not None]
    if not wanted:
        return {}
    rows = session.execute(
        select(Version.id, Article.url, Version.number)
        .join(Article, Article.id == Version.article_id)
        .where(Version.id.in_(wanted))
    )
    return {vid: (url, number) for vid, url, number in rows}


def change_name(url: str, number: int) -> str:
    """'https://site/story version 0→1' (a first capture: 'version 0')."""
    return f"{url} version {number - 1}\u2192{number}" if number else f"{url} version 0"

"""Source events reach subscribers: a source whose extraction degrades, and recovers, is one
message each to a subscription over loopback, with the retries and log of a change."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from newsmon.guard.netguard import parse_networks
from newsmon.notify.deliver import deliver_pending
from newsmon.notify.records import add_subscription
from newsmon.notify.sourcewatch import watch_sources
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Delivery
from tests import receiver as rx
from tests.newssite import story

SLUGS = [f"tide-report-{i}" for i in range(6)]
BASE = "http://newsmon.example"


@pytest.fixture
def receiver():
    r = rx.start(rx.Receiver())
    yield r
    rx.stop(r)


def round_of_checks(crawler, clock, config) -> None:
    """An hour on: every article checked, the source watch run, a delivery round."""
    clock.advance(hours=1)
    crawler.once(everything=True)
    engine = ensure_schema(config.database_url)
    watch_sources(engine, now=clock.now())
    allow = parse_networks(config.allow_networks)
    crawler.reactor.run(
        lambda: deliver_pending(engine, now=clock.now(), base_url=BASE, allow=allow), timeout=60
    )


def events(receiver) -> list[str]:
    return [json.loads(post.body)["event"] for post in receiver.received]


def test_a_source_degrading_and_recovering_is_one_message_each(
    site, crawler, add_feed, clock, db, config, receiver
):
    for slug in SLUGS:
        site.publish(story(slug, n=4))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once(everything=True)
    with transaction(ensure_schema(config.database_url)) as session:
        add_subscription(session, url=receiver.url, now=clock.now(), source="gazette")
        add_subscription(session, url=receiver.url + "-quiet", now=clock.now(), events=False)
    round_of_checks(crawler, clock, config)
    assert events(receiver) == []

    for slug in SLUGS:  # a redesign: the pages come back 200 and read as nothing
        site.fault(slug, "empty")
    for _ in range(3):  # the alarm is raised once, not at every watch that finds it
        round_of_checks(crawler, clock, config)
    assert events(receiver) == ["source.degraded"]
    told = json.loads(receiver.received[0].body)
    assert told["source"] == "gazette" and "extracted no text" in told["detail"]
    assert not any(post.path.endswith("-quiet") for post in receiver.received)  # --no-events

    for slug in SLUGS:
        site.fault(slug, None)
    for _ in range(3):
        round_of_checks(crawler, clock, config)
    assert events(receiver) == ["source.degraded", "source.recovered"]
    db.expire_all()
    sent = db.scalars(select(Delivery).where(Delivery.source_event_id.is_not(None))).all()
    assert [d.status for d in sent] == ["delivered", "delivered"]  # in the delivery log

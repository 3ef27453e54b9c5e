"""Notifications over crawls of the local news site, delivered to a real loopback receiver."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from newsmon.notify.deliver import deliver_pending
from newsmon.notify.records import add_subscription
from newsmon.notify.rules import SIGNATURE_HEADER, verify
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Delivery
from tests import receiver as rx
from tests.newssite import story

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://newsmon.example"
NEW_PARAGRAPH = "The council now says it reviewed 40 cases, twice as many as first reported."


@pytest.fixture
def receiver():
    r = rx.start(rx.Receiver())
    yield r
    rx.stop(r)


@pytest.fixture
def watched(site, crawler, add_feed):
    """One story, crawled once (version 0)."""
    site.publish(story("dam-inquiry"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    return site


def subscribe(config, clock, url: str, **kwargs) -> tuple[int, str | None]:
    with transaction(ensure_schema(config.database_url)) as session:
        sub = add_subscription(session, url=url, now=clock.now(), **kwargs)
        return sub.id, sub.secret


def edit_and_crawl(site, crawler, clock, text: str = NEW_PARAGRAPH) -> None:
    site.edit("dam-inquiry", paragraph=(1, text))
    clock.advance(minutes=20)
    assert crawler.once(everything=True).articles_changed == 1


def deliver(crawler, config, clock, **kwargs):
    engine = ensure_schema(config.database_url)
    return crawler.reactor.run(
        lambda: deliver_pending(engine, now=clock.now(), base_url=BASE, **kwargs), timeout=60
    )


def deliveries(db) -> list[Delivery]:
    db.expire_all()
    return list(db.scalars(select(Delivery).order_by(Delivery.id)))


def test_an_edit_is_one_signed_post(watched, crawler, clock, config, db, receiver):
    _, secret = subscribe(config, clock, receiver.url)
    edit_and_crawl(watched, crawler, clock)
    stats = deliver(crawler, config, clock)
    assert (stats.enqueued, stats.delivered, stats.failed) == (1, 1, 0)
    deliver(crawler, config, clock)  # nothing new: nothing sent again
    assert len(receiver.received) == 1
    post = receiver.received[0]
    assert verify(post.body, secret, post.headers[SIGNATURE_HEADER])
    assert not verify(post.body, secret + "x", post.headers[SIGNATURE_HEADER])
    data = json.loads(post.body)
    assert (data["from_version"], data["to_version"], data["change_class"]) == (0, 1, "edit")
    assert data["words_added"] > 0 and data["article"]["source"] == "gazette"
    article_id = data["article"]["id"]
    assert data["links"]["diff"] == f"{BASE}/articles/{article_id}/diff/0/1"
    assert data["links"]["api"] == f"{BASE}/api/articles/{article_id}/diff/0/1"
    assert [d.status for d in deliveries(db)] == ["delivered"]


def test_a_500_is_retried_and_the_change_arrives_once(
    watched, crawler, clock, config, db, receiver
):
    receiver.script = [500]
    subscribe(config, clock, receiver.url)
    edit_and_crawl(watched, crawler, clock)
    assert deliver(crawler, config, clock).failed == 1
    [pending] = deliveries(db)
    assert (pending.status, pending.attempts, pending.response_status) == ("pending", 1, 500)
    assert deliver(crawler, config, clock).delivered == 0  # the backoff has not passed
    clock.advance(minutes=2)
    assert deliver(crawler, config, clock).delivered == 1
    clock.advance(hours=2)
    deliver(crawler, config, clock)
    assert len(receiver.received) == 2
    assert receiver.received[0].body == receiver.received[1].body
    [done] = deliveries(db)
    assert (done.status, done.attempts, done.response_status) == ("delivered", 2, 200)


@pytest.mark.sqlite_only  # no database behaviour beyond the other tests'
def test_a_receiver_that_never_answers_neither_blocks_crawls_nor_holds_delivery(
    watched, crawler, clock, config, db, receiver
):
    receiver.hang = True
    subscribe(config, clock, receiver.url)
    edit_and_crawl(watched, crawler, clock)
    engine = ensure_schema(config.database_url)
    # A round in flight on the crawler's own event loop, its POST held open...
    flight = asyncio.run_coroutine_threadsafe(
        deliver_pending(engine, now=clock.now(), base_url=BASE, timeout=60), crawler.reactor.loop
    )
    assert receiver.arrived.wait(30)
    # ...while a crawl on that loop stores the next edit.
    edit_and_crawl(watched, crawler, clock, text="A third version of the second paragraph.")
    assert not flight.done()
    receiver.release()
    assert flight.result(30).delivered == 1
    # A bounded timeout: a round gives up on a silent receiver and retries later.
    receiver.released.clear()
    clock.advance(minutes=1)
    stats = deliver(crawler, config, clock, timeout=0.5)
    assert (stats.enqueued, stats.failed) == (1, 1)
    pending = deliveries(db)[-1]
    assert pending.status == "pending" and "no answer within 0.5 s" in pending.last_error


@pytest.mark.sqlite_only  # no database behaviour beyond the other tests'
def test_a_minor_change_does_not_notify_a_class_edit_subscription(
    watched, crawler, clock, config, receiver
):
    subscribe(config, clock, receiver.url, change_class="edit")
    paragraph = watched.stories["dam-inquiry"].paragraphs[1]
    edit_and_crawl(watched, crawler, clock, text=paragraph.replace(".", "!"))
    assert deliver(crawler, config, clock).enqueued == 0
    edit_and_crawl(watched, crawler, clock)
    assert deliver(crawler, config, clock).delivered == 1
    assert len(receiver.received) == 1


@pytest.mark.sqlite_only  # no database behaviour beyond the other tests'
def test_an_apprise_destination_delivers(watched, crawler, clock, config, receiver):
    host, port = receiver.server.server_address[:2]
    subscribe(config, clock, f"json://{host}:{port}/apprise")
    edit_and_crawl(watched, crawler, clock)
    assert deliver(crawler, config, clock).delivered == 1
    [post] = receiver.received
    assert post.path == "/apprise"
    data = json.loads(post.body)
    assert data["title"] == "gazette: ‘Council reviews dam inquiry cases’ changed (edit)"
    assert "/diff/0/1" in data["message"]


def newsmon(config, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "newsmon", "--db", config.database_url, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


@pytest.mark.sqlite_only  # no database behaviour beyond the other tests'
def test_cli_adds_lists_tests_logs_and_removes(watched, crawler, clock, config, receiver):
    added = newsmon(config, "notify", "add", receiver.url, "--class", "edit", "--source", "gazette")
    assert added.returncode == 0, added.stderr
    secret = added.stdout.split("secret (shown once; verify X-Newsmon-Signature with it): ")[1]
    secret = secret.strip()
    listed = newsmon(config, "notify", "list").stdout
    assert receiver.url in listed and "source gazette, class edit" in listed
    assert newsmon(config, "notify", "test", "1").returncode == 0
    post = receiver.received[0]
    assert verify(post.body, secret, post.headers[SIGNATURE_HEADER])
    edit_and_crawl(watched, crawler, clock)
    deliver(crawler, config, clock)
    assert "delivered" in newsmon(config, "notify", "log").stdout
    bad = newsmon(config, "notify", "add", receiver.url, "--source", "nowhere")
    assert bad.returncode == 1 and "no source 'nowhere'" in bad.stderr
    unknown = newsmon(config, "notify", "add", "nosuchscheme://x")
    assert unknown.returncode == 1 and "apprise knows" in unknown.stderr
    assert newsmon(config, "notify", "remove", "1").returncode == 0
    assert "no subscriptions" in newsmon(config, "notify", "list").stdout

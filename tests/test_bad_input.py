"""Bad input over loopback: each fault is a check row with a clear outcome, never a version."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from newsmon.storage.models import Article, Check, Feed, Version
from tests.newssite import story

EXPECTED_DETAIL = {
    "500": "HTTP 500",
    "404": "HTTP 404",
    "timeout": "timed out",
    "garbage": "empty extraction",
    "redirect-loop": "redirect",
    "huge": "cancel",
    "binary": "not an HTML page (application/pdf)",
    "badbytes": "undecodable",
    "empty": "empty extraction",
}


@pytest.fixture
def config(config, request):
    """The timeout case crawls with a short download timeout (the other cases keep the
    suite's generous one, so a busy machine cannot turn their healthy pages into errors)."""
    params = getattr(getattr(request.node, "callspec", None), "params", {})
    return config.with_(download_timeout=3) if params.get("fault") == "timeout" else config


@pytest.mark.parametrize("fault", sorted(EXPECTED_DETAIL))
def test_fault_is_recorded_and_versions_are_kept(fault, site, crawler, add_feed, clock, db):
    site.timeout_seconds = 6.0
    site.publish(story("storm-damage"))
    site.publish(story("bus-routes"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()

    site.fault("storm-damage", fault)
    site.edit("bus-routes", paragraph=(0, "Bus routes will change from Monday."))
    clock.advance(minutes=20)
    stats = crawler.once()

    assert stats.errors == 1
    assert stats.articles_changed == 1  # the healthy article is still crawled
    db.expire_all()
    storm = db.scalar(select(Article).where(Article.url.contains("storm-damage")))
    check = db.scalar(select(Check).where(Check.article_id == storm.id).order_by(Check.id.desc()))
    assert check.outcome == "error"
    assert EXPECTED_DETAIL[fault].lower() in (check.detail or "").lower(), check.detail
    assert storm.version_count == 1
    assert len(list(db.scalars(select(Version).where(Version.article_id == storm.id)))) == 1
    assert storm.consecutive_errors == 1
    assert storm.next_check_at > clock.now()  # retried later, backed off

    site.fault("storm-damage", None)
    clock.advance(hours=2)
    crawler.once()
    db.expire_all()
    assert db.get(Article, storm.id).consecutive_errors == 0
    assert db.get(Article, storm.id).version_count == 1


def test_repeated_404_makes_an_article_gone_and_its_return_active(
    site, crawler, add_feed, clock, db
):
    site.publish(story("minister-resigns"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    site.fault("minister-resigns", "404")
    for _ in range(3):
        clock.advance(days=1)
        crawler.articles()
    db.expire_all()
    article = db.scalar(select(Article))
    assert article.status == "gone"
    assert article.gone_at is not None
    outcomes = list(db.scalars(select(Check.outcome).order_by(Check.id)))
    assert outcomes == ["changed", "error", "error", "gone"]

    site.fault("minister-resigns", None)
    clock.advance(days=2)
    crawler.articles()
    db.expire_all()
    article = db.scalar(select(Article))
    assert article.status == "active" and article.version_count == 1


def test_malformed_feed_keeps_readable_entries_and_records_the_error(site, crawler, add_feed, db):
    site.publish(story("ok-story"))
    site.feed_faults["/feeds/rss.xml"] = "garbage"
    add_feed("broken", site.url("/feeds/rss.xml"))
    add_feed("healthy", site.url("/feeds/atom.xml"))
    stats = crawler.feeds()
    assert stats.feeds_polled == 2 and stats.feed_errors == 1
    db.expire_all()
    broken = db.scalar(select(Feed).where(Feed.url.contains("rss.xml")))
    assert broken.last_error and "malformed feed" in broken.last_error
    assert broken.consecutive_errors == 1
    assert db.scalar(select(Article)).url.endswith("/news/ok-story")


def test_unreachable_and_failing_feeds_are_recorded_and_backed_off(
    site, crawler, add_feed, clock, db
):
    site.feed_faults["/feeds/rss.xml"] = "500"
    add_feed("down", site.url("/feeds/rss.xml"))
    add_feed("nowhere", "http://127.0.0.1:9/feed.xml")  # discard port: connection refused
    stats = crawler.feeds()
    assert stats.feeds_polled == 2 and stats.feed_errors == 2
    db.expire_all()
    feeds = {f.url: f for f in db.scalars(select(Feed))}
    assert feeds[site.url("/feeds/rss.xml")].last_error == "HTTP 500"
    assert "refused" in feeds["http://127.0.0.1:9/feed.xml"].last_error
    first_wait = feeds[site.url("/feeds/rss.xml")].next_poll_at - clock.now()

    clock.advance(first_wait)
    crawler.feeds()
    db.expire_all()
    feed = db.scalar(select(Feed).where(Feed.url == site.url("/feeds/rss.xml")))
    assert feed.consecutive_errors == 2
    assert feed.next_poll_at - clock.now() > first_wait  # backs off, never dropped

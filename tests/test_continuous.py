"""The continuous crawl: one engine for feeds and articles, fed as work falls due."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from newsmon.crawl.service import CrawlService
from newsmon.storage.models import Article, Check
from tests import newssite
from tests.newssite import story


@pytest.fixture
def slow_site():
    """A second news site, reached as `localhost` so Scrapy gives it its own slot."""
    site = newssite.start(newssite.NewsSite())
    site.host_name = "localhost"
    yield site
    if site.hold is not None:
        site.hold.set()
    newssite.stop(site)


def checks_of(db, host_part: str) -> int:
    db.expire_all()
    return db.scalar(
        select(func.count())
        .select_from(Check)
        .join(Article)
        .where(Article.url.contains(host_part), Check.outcome != "error")
    )


def test_robots_txt_is_fetched_once_per_site_across_passes(site, crawler, add_feed, clock):
    for slug in ("rail-fares", "port-strike", "dam-repairs"):
        site.publish(story(slug))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    for _ in range(4):
        crawler.once()
        clock.advance(minutes=20)
    assert len(site.hits("/news/rail-fares")) == 4
    assert len(site.hits("/robots.txt")) == 1


def test_a_hanging_site_does_not_hold_back_the_others(
    site, slow_site, config, clock, reactor, add_feed, db
):
    fast = [f"fast-{i}" for i in range(4)]
    for slug in fast:
        site.publish(story(slug))
    for i in range(3):
        slow_site.publish(story(f"slow-{i}"))
    slow_site.hold = threading.Event()  # its article pages hang until released
    add_feed("gazette", site.url("/feeds/rss.xml"))
    add_feed("sloth", slow_site.url("/feeds/rss.xml"))
    service = CrawlService(config.with_(download_timeout=60), clock)
    crawl = asyncio.run_coroutine_threadsafe(service.run_continuously(), reactor.loop)
    try:
        assert site.wait_for(lambda: checks_of(db, "127.0.0.1") >= len(fast), 60)
        clock.advance(minutes=20)  # every fast article falls due again: checked again
        assert site.wait_for(lambda: checks_of(db, "127.0.0.1") >= 2 * len(fast), 60)
        assert slow_site.hits("/feeds/rss.xml")  # polled; its pages still hang
        assert checks_of(db, "localhost") == 0
    finally:
        slow_site.hold.set()
        reactor.run(service.stop)
        stats = crawl.result(60)
    assert stats.articles_checked == 2 * len(fast) + 3  # the slow pages finished at stop


def test_a_page_that_breaks_a_pipeline_is_its_own_failure(site, crawler, add_feed, db, monkeypatch):
    import newsmon.record.check

    site.publish(story("cursed"))
    site.publish(story("ordinary"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    original = newsmon.record.check.record_page

    def record_page(session, *, item, **kwargs):
        if "cursed" in item.task.url:
            raise RuntimeError("a bug this page triggers")
        return original(session, item=item, **kwargs)

    monkeypatch.setattr("newsmon.pipelines.snapshot.record_page", record_page)
    stats = crawler.once()
    assert stats.articles_captured == 1 and stats.failures == 1
    db.expire_all()
    cursed = db.scalar(select(Article).where(Article.url.contains("cursed")))
    assert cursed.consecutive_errors == 1 and cursed.lease_until is None
    detail = db.scalar(select(Check.detail).where(Check.article_id == cursed.id))
    assert "internal error: RuntimeError: a bug this page triggers" in detail


def test_all_checks_every_article_once_however_sources_interleave(
    site, crawler, add_feed, clock, config
):
    slugs = [f"story-{i:02d}" for i in range(24)]
    for slug in slugs:
        site.publish(story(slug, n=2))
    add_feed("evens", site.url("/feeds/rss.xml?slugs=" + ",".join(slugs[0::2])))
    add_feed("odds", site.url("/feeds/rss.xml?slugs=" + ",".join(slugs[1::2])))
    crawler.feeds()  # ids of the two sources' articles interleave
    crawler.service.settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 1, priority="cmdline")
    clock.advance(minutes=1)  # nothing is due: only --all checks anything
    stats = crawler.once(everything=True)
    fetched = Counter(h.path for h in site.hits("/news/"))
    assert stats.articles_checked == len(slugs)
    assert sorted(fetched) == [f"/news/{s}" for s in slugs] and set(fetched.values()) == {1}

"""Politeness per host: one source spread over many hosts keeps each of them busy, and no
host ever gets more requests at once than its limit; a restart starts at full rate."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from newsmon.crawl.service import CrawlService
from newsmon.crawl.workqueue import QueuePlan, WorkQueue
from newsmon.discover.feeds import FeedEntry
from newsmon.record.store import add_entries
from newsmon.storage.batchwriter import in_transaction
from newsmon.storage.db import ensure_schema, make_engine, transaction, upgrade
from newsmon.storage.models import Article, Check
from tests import newssite
from tests.conftest import Crawler
from tests.newssite import InFlight, story

HOSTS = 20
PER_HOST = 3
PER_DOMAIN = 2  # CONCURRENT_REQUESTS_PER_DOMAIN: each host's limit


@pytest.fixture
def hosts() -> Iterator[list[newssite.NewsSite]]:
    """Twenty news sites on 127.0.0.1 … 127.0.0.20: twenty hosts, twenty download slots."""
    sites = [newssite.start(newssite.NewsSite(), address=f"127.0.0.{h + 1}") for h in range(HOSTS)]
    yield sites
    for site in sites:
        if site.hold is not None:
            site.hold.set()
        newssite.stop(site)


def aggregator_feed(sites: list[newssite.NewsSite]) -> bytes:
    """One RSS feed whose stories live on every one of the sites (an aggregator's feed)."""
    items = "".join(
        f"<item><title>{slug}</title><link>{site.url('/news/' + slug)}</link>"
        f"<guid>{site.url('/news/' + slug)}</guid></item>"
        for h, site in enumerate(sites)
        for slug in (f"h{h}-story-{i}" for i in range(PER_HOST))
    )
    channel = f"<channel><title>All</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


def test_one_source_over_many_hosts_fills_every_host_but_none_beyond_its_limit(
    hosts, config, clock, reactor, add_feed, db
):
    total = InFlight()
    hold = threading.Event()  # article pages wait here, so what is in flight stays in flight
    for h, site in enumerate(hosts):
        for i in range(PER_HOST):
            site.publish(story(f"h{h}-story-{i}"))
        site.hold = hold
        site.shared_in_flight = total
    add_feed("aggregator", hosts[0].raw_feed("/feeds/all.xml", aggregator_feed(hosts)))
    service = CrawlService(
        # A delay between requests, as the defaults have: with none at all, Scrapy 2.19 can
        # start a burst of queued requests on one slot before any counts as transferring.
        config.with_(concurrent_per_domain=PER_DOMAIN, download_delay=0.01, download_timeout=60),
        clock,
    )
    crawl = asyncio.run_coroutine_threadsafe(service.crawl_once(), reactor.loop)
    try:
        # The old per-source window held the whole source to 2 × 2 + 1 = 5 pages at once.
        window = 2 * PER_DOMAIN + 1
        assert hosts[0].wait_for(lambda: total.now >= HOSTS, 60), total.now
    finally:
        hold.set()
    stats = crawl.result(120)
    assert stats.articles_checked == HOSTS * PER_HOST
    assert total.peak > window
    assert max(site.in_flight.peak for site in hosts) <= PER_DOMAIN
    db.expire_all()
    hosts_stored = db.scalars(select(Article.host).distinct()).all()
    assert sorted(hosts_stored) == sorted(f"127.0.0.{h + 1}" for h in range(HOSTS))
    checked = db.scalar(select(func.count()).select_from(Check).where(Check.outcome != "error"))
    assert checked == HOSTS * PER_HOST


def test_a_restart_asks_for_no_robots_txt_it_already_knows(
    site, config, clock, reactor, add_feed, db
):
    for slug in ("rail-fares", "port-strike"):
        site.publish(story(slug))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    Crawler(CrawlService(config, clock), reactor).once()
    assert len(site.hits("/robots.txt")) == 1
    clock.advance(minutes=20)  # a restart: a new service, the same database
    Crawler(CrawlService(config, clock), reactor).once()
    assert len(site.hits("/news/rail-fares")) == 2
    assert len(site.hits("/robots.txt")) == 1  # kept in the database, within its day
    clock.advance(days=1)  # older than a day: asked again, once
    Crawler(CrawlService(config, clock), reactor).once()
    assert len(site.hits("/robots.txt")) == 2


def test_a_new_host_starts_at_the_configured_delay_not_autothrottles_start_delay(
    site, config, clock, reactor, add_feed
):
    """The delay of a host's slot before its first answer (robots.txt, held by the site)
    is the configured one. Read after answers, it would also carry AutoThrottle's moves,
    which follow the latencies a busy machine happens to give."""
    for i in range(3):
        site.publish(story(f"story-{i}"))
    site.robots_hold = threading.Event()
    add_feed("gazette", site.url("/feeds/rss.xml"))
    delay = 0.01
    polite = config.with_(autothrottle=True, download_delay=delay, download_timeout=60)
    service = CrawlService(polite, clock)
    crawl = asyncio.run_coroutine_threadsafe(service.crawl_once(), reactor.loop)
    try:
        assert site.robots_asked.wait(60)  # the host's first request, not answered yet
        slots = [c.engine.downloader.slots for c in list(service._crawlers.values())]
        delays = [slot.delay for found in slots for slot in found.values()]
    finally:
        site.robots_hold.set()
    assert crawl.result(120).articles_checked == 3
    assert delays and max(delays) == delay  # not AutoThrottle's start delay


@pytest.mark.empty_database
def test_upgrading_fills_each_stored_articles_host_from_its_url(database_url):
    upgrade(database_url, "0015")
    at = "'2026-01-01 00:00:00'"
    with make_engine(database_url).begin() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO sources (slug, name, enabled, created_at) VALUES ('a', 'A', true, {at})"
        )
        for url in ("https://News.Example:8443/a", "https://[2001:db8::1]/b", "http://x.test/c"):
            conn.exec_driver_sql(
                "INSERT INTO articles (source_id, url, first_seen_at, status, version_count,"
                " consecutive_errors, consecutive_missing, quiet_since)"
                f" SELECT id, '{url}', {at}, 'active', 0, 0, 0, {at} FROM sources"
            )
    upgrade(database_url)
    with make_engine(database_url).connect() as conn:
        hosts = dict(conn.exec_driver_sql("SELECT url, host FROM articles").all())
    assert hosts == {
        "https://News.Example:8443/a": "news.example",  # Scrapy's slot key: no port, lower case
        "https://[2001:db8::1]/b": "2001:db8::1",
        "http://x.test/c": "x.test",
    }


def test_a_pass_goes_on_when_its_hosts_window_empties_while_it_looks_for_more(
    config, clock, reactor, add_feed
):
    """Seen under load with two crawlers: a pass stopped after the first window of a
    feed's articles, because those pages were all stored while it looked for more work
    (the look counted them as filling their host) and then it held nothing."""
    url = config.database_url
    add_feed("gazette", "http://127.0.0.1:9/feeds/rss.xml")
    pages = [FeedEntry(url=f"http://127.0.0.1:9/news/story-{i}") for i in range(3)]
    with transaction(ensure_schema(url)) as session:
        add_entries(session, source_id=1, entries=pages, now=clock.now())
    queue = WorkQueue(url, clock, QueuePlan(feeds=False, per_host=1, capacity=10))

    async def take_all() -> list[str]:
        tasks = queue.tasks()
        first = await anext(tasks)  # fills the host's window of one

        async def stored() -> None:  # its page's write commits, on the same writer thread
            await in_transaction(url, lambda session: None)
            queue.done(first)

        # The writer runs jobs in turn: it waits at the gate while the page's write and
        # then the queue's next look are handed to it, so the page is stored (and done)
        # after the look counted it as filling its host and before that look answers.
        gate = threading.Event()
        blocked = asyncio.ensure_future(in_transaction(url, lambda session: gate.wait(60)))
        storing = asyncio.ensure_future(stored())
        await asyncio.sleep(0)  # both handed over
        asyncio.get_running_loop().call_soon(gate.set)  # once the next look is handed over
        rest = []
        async for task in tasks:  # until the pass ends
            rest.append(task)
            queue.done(task)  # checked and stored at once
        await asyncio.gather(blocked, storing)
        return [task.url for task in [first, *rest]]

    checked = reactor.run(take_all, timeout=60)
    assert sorted(checked) == sorted(page.url for page in pages)

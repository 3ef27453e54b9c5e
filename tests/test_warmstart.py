"""A new source, a new host, a start: first captures do not queue behind rechecks, and
robots.txt is asked for as soon as a feed names a host, not when its first story is."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from newsmon.cli import _register, cli
from newsmon.core.clock import FixedClock
from newsmon.crawl.service import CrawlService
from newsmon.sources.registry import SourceChanges, SourceSpec, add_source, apply_changes
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Article, RobotsTxt, Source
from tests import proxyserver
from tests.conftest import Crawler
from tests.newssite import story

BACKLOG = 40


def captured(db, slug: str) -> int:
    """Articles of source `slug` with their first version stored."""
    db.expire_all()
    return db.scalar(
        select(func.count())
        .select_from(Article)
        .join(Source)
        .where(Source.slug == slug, Article.version_count > 0)
    )


def test_a_source_added_while_running_is_captured_before_the_overdue_rechecks(
    site, config, reactor, db
):
    # The service's clock starts at the real now, as the CLI's does, and moves on 20
    # minutes: every story of the backlog source is then 5 minutes overdue for its recheck.
    clock = FixedClock(datetime.now(UTC))
    backlog = [f"backlog-{i:02d}" for i in range(BACKLOG)]
    for slug in backlog:
        site.publish(story(slug, n=2))
    feed = site.url("/feeds/rss.xml?slugs=" + ",".join(backlog))
    with transaction(ensure_schema(config.database_url)) as session:
        add_source(
            session, spec=SourceSpec(slug="gazette", name="gazette", feeds=(feed,)), now=clock.now()
        )
    # One request at a time on the one host, each a fifth of a second: the backlog takes
    # 8 s to work through, and the new source's stories share its host's window.
    polite = config.with_(concurrent_per_domain=1)
    Crawler(CrawlService(polite, clock), reactor).once()
    assert captured(db, "gazette") == BACKLOG
    clock.advance(minutes=20)
    site.article_delay = 0.2
    site.publish(story("late-one", n=2))
    site.publish(story("late-two", n=2))
    service = CrawlService(polite, clock)
    crawl = asyncio.run_coroutine_threadsafe(service.run_continuously(), reactor.loop)
    try:
        assert site.wait_for(lambda: len(site.hits("/news/backlog-")) > BACKLOG, 60)
        _register()
        added = CliRunner().invoke(
            cli,
            [
                "--db",
                config.database_url,
                "--log-level",
                "WARNING",
                "sources",
                "add",
                "latecomer",
                site.url("/feeds/rss.xml?slugs=late-one,late-two"),
            ],
        )
        assert added.exit_code == 0, added.output
        assert site.wait_for(lambda: captured(db, "latecomer") == 2, 60)
        rechecked = len(site.hits("/news/backlog-")) - BACKLOG
    finally:
        reactor.run(service.stop)
        crawl.result(60)
    # Before, the new stories were claimed in due order, behind all 40 overdue rechecks.
    assert rechecked < BACKLOG // 2, rechecked


@pytest.mark.sqlite_only  # which robots.txt are fetched, not how they are stored
def test_a_feed_naming_stories_on_another_host_fetches_its_robots_txt_ahead(
    site, crawler, add_feed, db
):
    elsewhere = [site.url_as("localhost", f"/news/away-{i}") for i in range(3)]
    items = "".join(f"<item><title>t</title><link>{u}</link></item>" for u in elsewhere)
    body = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'
    )
    add_feed("gazette", site.raw_feed("/feeds/away.xml", body.encode()))
    crawler.feeds()  # feeds only: no story of the other host is fetched in this pass
    hosts = [h.headers.get("Host", "") for h in site.hits("/robots.txt")]
    assert sum(h.startswith("localhost") for h in hosts) == 1, hosts
    assert not site.hits("/news/away-")
    # Stored too, so the checks of those stories (in this process or after a restart) ask
    # for it no more.
    site_key = site.url_as("localhost", "")

    def stored() -> bool:
        db.expire_all()
        return db.get(RobotsTxt, site_key) is not None

    assert site.wait_for(stored, 30)
    crawler.articles()
    assert len(site.hits("/news/away-")) == 3
    assert len(site.hits("/robots.txt")) == len(hosts)


@pytest.mark.sqlite_only
def test_a_proxied_sources_robots_txt_prefetch_goes_through_its_proxy(
    site, crawler, add_feed, config
):
    """A source reached through a proxy (a country's edition) has its robots.txt fetched
    ahead of need the way its own requests go: through the proxy, never straight out."""
    proxy = proxyserver.start(proxyserver.Proxy())
    try:
        elsewhere = [site.url_as("localhost", f"/news/away-{i}") for i in range(2)]
        items = "".join(f"<item><title>t</title><link>{u}</link></item>" for u in elsewhere)
        body = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
        add_feed("gazette", site.raw_feed("/feeds/away.xml", body.encode()))
        with transaction(ensure_schema(config.database_url)) as session:
            source = session.scalars(select(Source)).one()
            apply_changes(source, SourceChanges(proxy=f"http://127.0.0.1:{proxy.port}"))
        crawler.feeds()
        robots = site.url_as("localhost", "/robots.txt")
        assert site.wait_for(lambda: any(r.target == robots for r in proxy.relayed), 30), [
            r.target for r in proxy.relayed
        ]
        # every robots.txt the site saw came through the proxy
        assert len(site.hits("/robots.txt")) == sum(
            r.target.endswith("/robots.txt") for r in proxy.relayed
        )
    finally:
        proxyserver.stop(proxy)

"""Shared fixtures: the local news site, the process's reactor, a fresh database per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from newsmon.clock import FixedClock
from newsmon.config import Config
from newsmon.crawl import CrawlService, PassStats
from newsmon.db import ensure_schema, transaction
from newsmon.reactor import ReactorThread, process_reactor
from newsmon.sources import SourceSpec, add_source
from tests import newssite

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def site_server() -> Iterator[newssite.NewsSite]:
    site = newssite.start(newssite.NewsSite())
    yield site
    newssite.stop(site)


@pytest.fixture
def site(site_server: newssite.NewsSite) -> newssite.NewsSite:
    site_server.reset()
    return site_server


@pytest.fixture(scope="session")
def reactor() -> ReactorThread:
    return process_reactor()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Settings for crawling the loopback site quickly: no delays, no retries, short timeouts."""
    return Config(
        database_url=f"sqlite:///{tmp_path / 'newsmon.db'}",
        download_delay=0.0,
        autothrottle=False,
        retry_times=0,
        download_timeout=2,
        max_page_mb=1.0,
        extract_workers=2,
        concurrent_per_domain=8,
        log_level="WARNING",
        allow_networks=["127.0.0.0/8", "::1/128"],  # the loopback test site, opened explicitly
    )


class Crawler:
    """Runs real crawl passes of one CrawlService on the shared reactor."""

    def __init__(self, service: CrawlService, reactor: ReactorThread) -> None:
        self.service = service
        self.reactor = reactor

    def once(self, *, everything: bool = False) -> PassStats:
        return self.reactor.run(lambda: self.service.crawl_once(everything=everything), timeout=120)

    def feeds(self) -> PassStats:
        return self.reactor.run(self.service.poll_feeds, timeout=120)

    def articles(self, *, everything: bool = False) -> PassStats:
        return self.reactor.run(
            lambda: self.service.check_articles(everything=everything), timeout=120
        )


@pytest.fixture
def crawler(config: Config, clock: FixedClock, reactor: ReactorThread) -> Crawler:
    return Crawler(CrawlService(config, clock), reactor)


@pytest.fixture
def db(config: Config) -> Iterator[Session]:
    """A session for assertions; each test reads fresh state with `db.expire_all()`."""
    engine = ensure_schema(config.database_url)
    with Session(engine) as session:
        yield session


@pytest.fixture
def add_feed(config: Config, clock: FixedClock) -> Callable[..., None]:
    def add(slug: str, *urls: str) -> None:
        with transaction(ensure_schema(config.database_url)) as session:
            add_source(session, spec=SourceSpec(slug=slug, name=slug, feeds=urls), now=clock.now())

    return add

"""Shared fixtures: the local news site, the process's reactor, a fresh database per test."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from newsmon.config.settings import Config
from newsmon.core.clock import FixedClock
from newsmon.crawl.reactor import ReactorThread, process_reactor
from newsmon.crawl.service import CrawlService, PassStats
from newsmon.sources.registry import SourceSpec, add_source
from newsmon.storage.db import dispose_engine, ensure_schema, transaction
from tests import newssite
from tests.pgcluster import INSTALL_HINT, Cluster, start_cluster

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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that touches the database runs on SQLite and on PostgreSQL,
    unless marked `sqlite_only` (a test of SQLite itself, or of no database behaviour)."""
    if "database_url" in metafunc.fixturenames:
        only_sqlite = metafunc.definition.get_closest_marker("sqlite_only") is not None
        kinds = ["sqlite"] if only_sqlite else ["sqlite", "postgresql"]
        metafunc.parametrize("database_url", kinds, indirect=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster for the session; tests skip, saying how, without it."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip(INSTALL_HINT)
    folder = Path(tempfile.mkdtemp(prefix="newsmon-pg-"))
    try:
        cluster = start_cluster(folder)
    except FileNotFoundError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(str(exc))
    yield cluster
    cluster.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new empty database: a SQLite file, or a database in the throwaway cluster."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'newsmon.db'}"
    else:
        url = request.getfixturevalue("pg_cluster").create_database()
    yield url
    dispose_engine(url)


@pytest.fixture
def config(database_url: str) -> Config:
    """Settings for crawling the loopback site quickly: no delays, no retries, short timeouts."""
    return Config(
        database_url=database_url,
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

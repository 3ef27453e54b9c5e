"""Shared fixtures: the local news site, the process's reactor, a fresh database per test."""

from __future__ import annotations

import compileall
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
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
ROOT = Path(__file__).resolve().parent.parent


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the checkout's modules once, before any test starts a process.

    The tests start hundreds of Python processes (the CLI, `newsmon run`, extraction
    workers, the test sites). Where PYTHONDONTWRITEBYTECODE is set, as on the machines
    this project is built on, none of them may write bytecode, so each one compiled
    every module of the checkout it imported: about 0.1 s of CPU a process, 2-4% of the
    CPU of the CLI tests. compileall writes the bytecode regardless.
    """
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller did it
        return
    for folder in ("newsmon", "spiders", "pipelines", "tests"):
        compileall.compile_dir(ROOT / folder, quiet=1)


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


@pytest.fixture(scope="session")
def pg_template(pg_cluster: Cluster) -> str:
    """A database at the newest schema that each PostgreSQL test's database is copied from:
    migrating every test's database from nothing cost a third of a second per test."""
    url = pg_cluster.create_database()
    ensure_schema(url)
    dispose_engine(url)  # CREATE DATABASE ... TEMPLATE needs the template without connections
    return url.rsplit("/", 1)[1]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest schema that each SQLite test's database is copied from."""
    path = tmp_path_factory.mktemp("template") / "newsmon.db"
    url = f"sqlite:///{path}"
    ensure_schema(url)
    dispose_engine(url)
    return path


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database at the newest schema (as `ensure_schema` leaves it): a SQLite file, or
    a database in the throwaway cluster. A test marked `empty_database` (one that migrates
    from an older revision itself) gets it empty instead."""
    kind = getattr(request, "param", "sqlite")
    empty = request.node.get_closest_marker("empty_database") is not None
    if kind == "sqlite":
        path = tmp_path / "newsmon.db"
        if not empty:
            copy_sqlite(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    elif empty:
        url = request.getfixturevalue("pg_cluster").create_database()
    else:
        url = request.getfixturevalue("pg_cluster").create_database(
            template=request.getfixturevalue("pg_template")
        )
    yield url
    dispose_engine(url)


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (the file alone may miss its WAL)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


@pytest.fixture
def config(database_url: str) -> Config:
    """Settings for crawling the loopback site quickly: no delays, no retries, short timeouts."""
    return Config(
        database_url=database_url,
        download_delay=0.0,
        autothrottle=False,
        retry_times=0,
        # Generous: on a busy 2-core machine a loopback page took over 2 s (a check lost to a
        # timeout); the tests of timeouts set their own.
        download_timeout=20,
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

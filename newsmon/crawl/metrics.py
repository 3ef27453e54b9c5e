"""What operators watch: crawl counters and timings, and gauges read from the database.

The crawler's pipelines report into the process-wide `CrawlMetrics` (built on first
use, so importing this module does nothing); the web app's `/metrics` serves those
together with `DatabaseCollector`, which asks the database at scrape time how far
behind the schedule is, so any web process of a fleet reports the fleet's state.
"""

from __future__ import annotations

import contextlib
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from newsmon.core.outcomes import ArticleStatus
from newsmon.record.health import check_figures
from newsmon.storage.models import Article, CrawlerHeartbeat, Feed, Source, Version

ALIVE_WITHIN = timedelta(minutes=3)  # crawlers write a heartbeat about every 30 s
FETCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
EXTRACTION_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5)


class CrawlMetrics:
    """Checks by outcome, fetch latency and extraction time of this process's crawls."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        self._checks = Counter(
            "newsmon_checks",
            "Article checks by outcome (changed, unchanged, not_modified, error, gone...).",
            ["outcome"],
            registry=self.registry,
        )
        self._paths = Counter(
            "newsmon_checks_by_path",
            "Article checks by how the page was read: full extraction, fast (the story's "
            "region unchanged), same-bytes or not-modified (nothing read).",
            ["path"],
            registry=self.registry,
        )
        self._fetch = Histogram(
            "newsmon_fetch_seconds",
            "Time from request to response for article fetches.",
            buckets=FETCH_BUCKETS,
            registry=self.registry,
        )
        self._extraction = Histogram(
            "newsmon_extraction_seconds",
            "Time to extract headline and text from one page (worker pool round trip).",
            buckets=EXTRACTION_BUCKETS,
            registry=self.registry,
        )

    def check(self, outcome: str) -> None:
        self._checks.labels(outcome=outcome).inc()

    def check_path(self, path: str) -> None:
        self._paths.labels(path=path).inc()

    def fetch(self, seconds: float) -> None:
        self._fetch.observe(max(seconds, 0.0))

    def extraction(self, seconds: float) -> None:
        self._extraction.observe(max(seconds, 0.0))


_lock = threading.Lock()
_process: CrawlMetrics | None = None


def process_metrics() -> CrawlMetrics:
    """This process's one `CrawlMetrics`, built on first use."""
    global _process
    with _lock:
        if _process is None:
            _process = CrawlMetrics()
        return _process


def database_problem(url: str) -> str | None:
    """For a SQLite file: what is wrong with the file, if anything.

    A pooled connection keeps reading a file that was deleted or overwritten (it
    holds the old inode and its cached pages), so the file is looked at anew: by
    `os.stat`, then by a fresh read-only SQLite connection. Never by `open()`: on
    POSIX, closing any descriptor of a file drops every lock this process holds on
    it, and a CLI process beside the service then believes it is alone, checkpoints
    and deletes the WAL under the running service (SQLite's "How To Corrupt",
    section 2.2). SQLite's own connections share one lock table per process, so a
    second connection is safe where a plain descriptor is not; a read-only one
    cannot checkpoint or remove the WAL when it closes.
    """
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):
        return None
    path = Path(database).expanduser()
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return f"database file {database} is missing"
    except FileNotFoundError:
        return f"database file {database} is missing"
    except OSError as exc:
        return f"database file {database} cannot be read: {exc.strerror or exc}"
    try:
        probe = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        return f"database file {database} cannot be read: {exc}"
    try:
        probe.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            return f"database file {database} is not a SQLite database"
        if "locked" in str(exc) or "busy" in str(exc):
            return None  # a writer holds it: the file is a database in use
        return f"database file {database} cannot be read: {exc}"
    finally:
        probe.close()
    return None


@dataclass(frozen=True)
class ScheduleState:
    """The database's answer to "how is the crawl doing?" at one moment."""

    due_backlog: int
    schedule_lag_seconds: float
    feeds_failing: int
    versions_stored: int
    crawlers_alive: int
    crawlers_known: int
    last_heartbeat: datetime | None


def schedule_state(engine: Engine, *, now: datetime) -> ScheduleState:
    """Counts behind the gauges; raises SQLAlchemyError when the database cannot answer."""
    # Due and not yet checked: a claimed article counts until its check lands. (Leaving
    # claims out would read every due row, not just the index: 20x slower at 200k due.)
    due = (
        Article.status.in_((ArticleStatus.ACTIVE, ArticleStatus.GONE)),
        Article.next_check_at <= now,
    )
    alive = CrawlerHeartbeat.seen_at >= now - ALIVE_WITHIN
    with engine.connect() as conn:
        backlog, oldest = conn.execute(
            select(func.count(), func.min(Article.next_check_at)).where(*due)
        ).one()
        failing = conn.scalar(select(func.count()).where(Feed.consecutive_errors > 0))
        versions = conn.scalar(select(func.count()).select_from(Version))
        crawlers, known, last_seen = conn.execute(
            select(
                func.count().filter(alive), func.count(), func.max(CrawlerHeartbeat.seen_at)
            ).select_from(CrawlerHeartbeat)
        ).one()
    lag = 0.0 if oldest is None else max((now - _aware(oldest)).total_seconds(), 0.0)
    return ScheduleState(
        due_backlog=backlog,
        schedule_lag_seconds=lag,
        feeds_failing=failing or 0,
        versions_stored=versions or 0,
        crawlers_alive=crawlers or 0,
        crawlers_known=known or 0,
        last_heartbeat=None if last_seen is None else _aware(last_seen),
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


GAUGES = {  # ScheduleState field -> (metric name, help)
    "due_backlog": ("newsmon_due_backlog", "Articles due now whose check has not landed yet."),
    "schedule_lag_seconds": (
        "newsmon_schedule_lag_seconds",
        "How long the most overdue due article has waited past its check time.",
    ),
    "feeds_failing": ("newsmon_feeds_failing", "Feeds whose latest poll failed."),
    "versions_stored": ("newsmon_versions_stored", "Versions stored, all articles."),
    "crawlers_alive": (
        "newsmon_crawlers_alive",
        "Crawler processes with a heartbeat in the last 3 minutes.",
    ),
}


class DatabaseCollector(Collector):
    """Gauges read from the database at scrape time; `newsmon_database_up` 0 when it fails."""

    def __init__(self, engine: Engine, url: str, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.url = url
        self.now = now

    def collect(self) -> Iterator[Metric]:
        state = None
        if database_problem(self.url) is None:
            with contextlib.suppress(SQLAlchemyError):  # reported as newsmon_database_up 0
                state = schedule_state(self.engine, now=self.now())
        up = GaugeMetricFamily("newsmon_database_up", "1 if the database answered this scrape.")
        up.add_metric([], 0 if state is None else 1)
        yield up
        if state is None:
            return
        for field, (name, help_) in GAUGES.items():
            gauge = GaugeMetricFamily(name, help_)
            gauge.add_metric([], float(getattr(state, field)))
            yield gauge
        with contextlib.suppress(SQLAlchemyError), Session(self.engine) as session:
            yield source_health_gauge(session)
            yield from source_check_gauges(session)


def source_health_gauge(session: Session) -> GaugeMetricFamily:
    """1 for each source whose extraction is degraded (newsmon.record.health), else 0."""
    gauge = GaugeMetricFamily(
        "newsmon_source_extraction_degraded",
        "1 while the source's extraction is degraded and its changes are held back.",
        labels=["source"],
    )
    rows = session.execute(select(Source.slug, Source.degraded_since).order_by(Source.slug))
    for slug, since in rows:
        gauge.add_metric([slug], 0.0 if since is None else 1.0)
    return gauge


def source_check_gauges(session: Session) -> list[GaugeMetricFamily]:
    """Each source's shares of its recent checks that failed to extract and that fell back
    from the precision pass (newsmon.record.health)."""
    failed = GaugeMetricFamily(
        "newsmon_source_extraction_failed_share",
        "Share of the source's last 20 checks that read a page whose extraction failed"
        " or was empty.",
        labels=["source"],
    )
    fell_back = GaugeMetricFamily(
        "newsmon_source_extraction_fallback_share",
        "Share of the source's last 20 checks that read a page whose extraction fell back"
        " (to the recall pass or to structured data).",
        labels=["source"],
    )
    for slug, figures in check_figures(session).items():
        failed.add_metric([slug], figures.failed_share)
        fell_back.add_metric([slug], figures.fallback_share)
    return [failed, fell_back]


class Forward(Collector):
    """Serves another registry's metrics from this one (the process-wide crawl metrics)."""

    def __init__(self, source: Callable[[], CollectorRegistry]) -> None:
        self.source = source

    def collect(self) -> Iterator[Metric]:
        yield from self.source().collect()


def web_registry(engine: Engine, url: str, now: Callable[[], datetime]) -> CollectorRegistry:
    """What one web app's /metrics serves: this process's crawl metrics and the database's."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Forward(lambda: process_metrics().registry))
    registry.register(DatabaseCollector(engine, url, now))
    return registry

"""The unattended service: three scheduler jobs over one CrawlService, on one event loop.

The schedule lives in the database (`feeds.next_poll_at`, `articles.next_check_at`);
the jobs only tick and ask it what is due, so a restart carries on where the last
process stopped. APScheduler's AsyncIOScheduler shares the reactor's asyncio loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from newsmon.clock import Clock, SystemClock
from newsmon.config import Config, parse_duration
from newsmon.crawl import CrawlService, PassStats
from newsmon.db import ensure_schema, transaction
from newsmon.notify.deliver import notify_job
from newsmon.sources import add_source, has_sources, starter_sources
from newsmon.store import prune_checks, release_leases

logger = logging.getLogger("newsmon.service")
MISFIRE_GRACE_SECONDS = 3600


def prepare_database(config: Config, clock: Clock) -> None:
    """Create or upgrade the schema, seed the starter feeds if there are no sources,
    and free the claims a killed process left behind."""
    engine = ensure_schema(config.database_url)
    with transaction(engine) as session:
        if not has_sources(session):
            specs = starter_sources()
            for spec in specs:
                add_source(session, spec=spec, now=clock.now())
            logger.info(
                "no sources configured: watching the starter list (%d sources; "
                "`newsmon sources add SLUG FEED_URL` adds your own)",
                len(specs),
            )
        # One process per SQLite file: every claim left is a dead crawl's. PostgreSQL may
        # have other crawlers running, so there the leases simply run out.
        released = release_leases(session) if engine.dialect.name == "sqlite" else 0
    if released:
        logger.info("released %d article claim(s) left by an interrupted crawl", released)


class Monitor:
    """The jobs `newsmon run` schedules; each logs one line per run."""

    def __init__(self, service: CrawlService) -> None:
        self.service = service
        self.scheduler: AsyncIOScheduler | None = None
        self.running: set[asyncio.Task[Any]] = set()

    def tracked(self, job: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
        """The job, registered while it runs, so shutdown can let it finish, not cancel it."""

        async def run() -> Any:
            task = asyncio.current_task()
            assert task is not None
            self.running.add(task)
            try:
                return await job()
            finally:
                self.running.discard(task)

        run.__name__ = run.__qualname__ = job.__name__
        return run

    async def finish_running_jobs(self, timeout: float = 30) -> None:
        if self.running:
            await asyncio.wait(set(self.running), timeout=timeout)

    @property
    def config(self) -> Config:
        return self.service.config

    async def poll_feeds(self) -> PassStats:
        stats = await self.service.poll_feeds()
        if stats.feeds_polled:
            logger.info(
                "feeds: polled %d (%d failed), %d new article(s), %.1fs",
                stats.feeds_polled,
                stats.feed_errors,
                stats.articles_new,
                stats.seconds,
            )
        if stats.articles_new and self.scheduler is not None:
            self.scheduler.modify_job("articles", next_run_time=self.service.clock.now())
        return stats

    async def check_articles(self) -> PassStats:
        stats = await self.service.check_articles()
        if stats.articles_checked or stats.frozen:
            logger.info(
                "articles: checked %d, changed %d, errors %d, frozen %d, %.1fs",
                stats.articles_checked,
                stats.articles_changed,
                stats.errors,
                stats.frozen,
                stats.seconds,
            )
        return stats

    def _prune(self) -> int:
        with transaction(self.service.engine) as session:
            return prune_checks(
                session,
                now=self.service.clock.now(),
                keep=timedelta(days=self.config.check_retention_days),
            )

    async def sweep(self) -> int:
        """Freeze quiet articles and prune old check rows."""
        frozen = await asyncio.to_thread(self.service.freeze)
        pruned = await asyncio.to_thread(self._prune)
        logger.info("sweep: froze %d article(s), pruned %d old check(s)", frozen, pruned)
        return frozen


def build_scheduler(monitor: Monitor, clock: Clock | None = None) -> AsyncIOScheduler:
    """The jobs, each run once at start-up and then on its interval, never overlapping."""
    config = monitor.config
    scheduler = AsyncIOScheduler(
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        }
    )
    now = (clock or SystemClock()).now()
    tick = parse_duration(config.recheck_tick).total_seconds()
    jobs: list[tuple[str, Any, float]] = [
        ("feeds", monitor.poll_feeds, tick),
        ("articles", monitor.check_articles, tick),
        ("sweep", monitor.sweep, parse_duration(config.freeze_tick).total_seconds()),
        (
            "notify",
            notify_job(monitor.service.engine, monitor.service.clock.now, _base(config)),
            60,
        ),
    ]
    for job_id, func, seconds in jobs:
        scheduler.add_job(
            monitor.tracked(func),
            "interval",
            seconds=seconds,
            id=job_id,
            name=job_id,
            next_run_time=now,
        )
    monitor.scheduler = scheduler
    return scheduler


def _base(config: Config) -> str:
    """Where notifications link to: the web app this process serves."""
    return f"http://{config.web_host}:{config.web_port}"


async def _serve_web(web: Any) -> None:
    """Serve until told to stop; a port already in use costs the web app, not the crawler."""
    try:
        await web.serve()
    except (SystemExit, OSError):
        logger.error(
            "web app stopped: could not serve on %s:%s (see above); crawling goes on",
            web.config.host,
            web.config.port,
        )


async def run_service(config: Config, stop: asyncio.Event, *, web: Any = None) -> None:
    """Run the scheduler (and the web app, when given) until `stop` is set."""
    service = CrawlService(config)
    monitor = Monitor(service)
    scheduler = build_scheduler(monitor)
    scheduler.start()
    web_task = asyncio.ensure_future(_serve_web(web)) if web is not None else None
    logger.info("newsmon is running; Ctrl-C stops it")
    try:
        await stop.wait()
    finally:
        logger.info("stopping: finishing pages in flight")
        scheduler.pause()  # no new runs; running jobs finish instead of being cancelled
        await service.stop()
        await monitor.finish_running_jobs()
        scheduler.shutdown(wait=False)
        if web_task is not None:
            web.should_exit = True
            await asyncio.wait_for(web_task, timeout=10)
        logger.info("stopped")

"""The unattended service: one continuous crawl and the timed jobs, on one event loop.

The schedule lives in the database (`feeds.next_poll_at`, `articles.next_check_at`):
the crawl claims what is due as its downloader has room, so a restart carries on
where the last process stopped. APScheduler's AsyncIOScheduler runs the timed work
(freeze sweep, check pruning) on the reactor's asyncio loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from newsmon.config.settings import Config, parse_duration
from newsmon.core.clock import Clock, SystemClock
from newsmon.crawl.checkpoints import checkpoint_job, in_transaction, ledger_key
from newsmon.crawl.service import CrawlService
from newsmon.guard.netguard import parse_networks
from newsmon.ledger.log import write_checkpoint
from newsmon.notify.deliver import notify_job
from newsmon.notify.sourcewatch import watch_sources
from newsmon.record.store import prune_checks
from newsmon.record.templates import learn_templates
from newsmon.record.thinning import MB, SweepResult, storage_sweep
from newsmon.sources.fromconfig import apply_source_tables
from newsmon.sources.registry import add_starters, has_sources
from newsmon.storage.batchwriter import JOBS, writer_for
from newsmon.storage.db import DatabaseError, ensure_schema, transaction

logger = logging.getLogger("newsmon.service")
MISFIRE_GRACE_SECONDS = 3600


def prepare_database(config: Config, clock: Clock) -> None:
    """Create or upgrade the schema and seed the starter feeds if there are no sources.

    Claims left by a killed crawler are freed by the next crawler that starts, once the
    dead one has stopped reporting (newsmon.crawl.service), so restarts and fleets need
    nothing here.
    """
    engine = ensure_schema(config.database_url)
    with transaction(engine) as session:
        if not has_sources(session):
            added = add_starters(session, now=clock.now())
            logger.info(
                "no sources configured: watching the starter list (%d sources; "
                "`newsmon sources add SLUG FEED_URL` adds your own, "
                "`newsmon sources remove --starter` removes the starters)",
                len(added),
            )
        apply_source_tables(session, config.sources)  # [sources.SLUG] tables of the config


class Monitor:
    """The continuous crawl and the timed jobs of `newsmon run`; each job logs one line."""

    def __init__(self, service: CrawlService) -> None:
        self.service = service
        self.scheduler: AsyncIOScheduler | None = None
        self.running: set[asyncio.Task[Any]] = set()
        self.cancellable: set[asyncio.Task[Any]] = set()
        self.stopping = False
        self.fatal: str | None = None
        self.ledger_key: Ed25519PrivateKey | None = None

    def tracked(
        self, job: Callable[[], Awaitable[Any]], *, cancel_on_stop: bool = False
    ) -> Callable[[], Awaitable[Any]]:
        """The job, registered while it runs, so shutdown can let it finish, not cancel it.

        A job that waits on others (notifications wait on receivers) is cancelled at
        shutdown instead: stopping never waits on a receiver.
        """

        async def run() -> Any:
            task = asyncio.current_task()
            assert task is not None
            self.running.add(task)
            if cancel_on_stop:
                self.cancellable.add(task)
            try:
                return await job()
            except asyncio.CancelledError:
                if not (cancel_on_stop and self.stopping):
                    raise
                logger.info("%s: cancelled to stop; what it had claimed is retried later", name)
                return None
            finally:
                self.running.discard(task)
                self.cancellable.discard(task)

        name = run.__name__ = run.__qualname__ = job.__name__
        return run

    def cancel_waiting_jobs(self) -> None:
        self.stopping = True
        for task in self.cancellable:
            task.cancel()

    async def finish_running_jobs(self, timeout: float = 30) -> None:
        if self.running:
            await asyncio.wait(set(self.running), timeout=timeout)

    @property
    def config(self) -> Config:
        return self.service.config

    async def crawl(self, stop: asyncio.Event) -> None:
        """The continuous crawl; a crash is logged and the crawl restarted after a pause."""
        while not stop.is_set() and not self.service.stopping:
            try:
                stats = await self.service.run_continuously()
                if stats.articles_checked or stats.feeds_polled:
                    logger.info("crawl ended: %s", stats.line())
            except DatabaseError as exc:
                self.fatal = str(exc)
                logger.error("%s", exc)
                stop.set()
                return
            except Exception:
                logger.exception("the crawl stopped unexpectedly; restarting in 10 s")
            if not self.service.stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=10)

    def _prune(self, session: Session) -> int:
        return prune_checks(
            session,
            now=self.service.clock.now(),
            keep=timedelta(days=self.config.check_retention_days),
        )

    def _thin(self) -> SweepResult:
        return storage_sweep(
            self.service.engine,
            rule=self.config.retention_rule(),
            quota_bytes=int(self.config.source_quota_mb * MB),
            now=self.service.clock.now(),
        )

    async def sweep(self) -> int:
        """Freeze quiet articles, prune old check rows, thin raw pages, watch quotas and
        each source's extraction health: on the timed jobs' writer thread, so the crawl's
        writes neither wait nor hold it up."""
        writer = writer_for(self.config.database_url, JOBS)
        frozen: int = await writer.run(self.service.freeze, alone=True)
        pruned: int = await writer.run(self._prune, alone=True)
        storage = await writer.call(self._thin)
        now = self.service.clock.now()
        await writer.call(lambda: watch_sources(self.service.engine, now=now))
        logger.info(
            "sweep: froze %d article(s), pruned %d old check(s), thinned %d raw page(s), "
            "%d source(s) over quota",
            frozen,
            pruned,
            storage.thinned,
            len(storage.over_quota),
        )
        return frozen

    async def learn(self) -> int:
        """Learn each source's template again from its stored pages."""
        writer = writer_for(self.config.database_url, JOBS)
        now = self.service.clock.now()
        learnt: int = await writer.call(lambda: learn_templates(self.service.engine, now=now))
        return learnt


# Templates are learned hourly: a site's template changes rarely, and a new learned set
# re-reads every article of the source once, so learning more often buys nothing.
LEARN_EVERY_SECONDS = 3600.0


def build_scheduler(monitor: Monitor, clock: Clock | None = None) -> AsyncIOScheduler:
    """The timed jobs, each run once at start-up and then on its interval, never overlapping."""
    config = monitor.config
    scheduler = AsyncIOScheduler(
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        }
    )
    now = (clock or SystemClock()).now()
    notify = notify_job(
        monitor.service.engine,
        monitor.service.clock.now,
        _base(config),
        parse_networks(config.allow_networks),
    )
    jobs: list[tuple[str, Any, float, bool]] = [
        ("sweep", monitor.sweep, parse_duration(config.freeze_tick).total_seconds(), False),
        ("notify", notify, parse_duration(config.notify_interval).total_seconds(), True),
        ("templates", monitor.learn, LEARN_EVERY_SECONDS, True),
    ]
    if monitor.ledger_key is not None:
        checkpoint = checkpoint_job(config, monitor.ledger_key, monitor.service.clock.now)
        seconds = parse_duration(config.checkpoint_interval).total_seconds()
        jobs.append(("checkpoint", checkpoint, seconds, True))
    for job_id, func, seconds, cancel_on_stop in jobs:
        scheduler.add_job(
            monitor.tracked(func, cancel_on_stop=cancel_on_stop),
            "interval",
            seconds=seconds,
            id=job_id,
            name=job_id,
            next_run_time=now,
        )
    monitor.scheduler = scheduler
    return scheduler


async def _last_checkpoint(monitor: Monitor) -> None:
    """A checkpoint at shutdown, so what this run captured is signed before it stops."""
    if monitor.ledger_key is None:
        return
    key, now = monitor.ledger_key, monitor.service.clock.now
    try:
        row = await in_transaction(
            monitor.config.database_url, lambda s: write_checkpoint(s, key, now=now())
        )
    except Exception as exc:
        logger.warning("no checkpoint at shutdown: %s", exc)
        return
    if row is not None:
        logger.info("ledger checkpoint at shutdown: %d versions", row.tree_size)


def _base(config: Config) -> str:
    """Where notifications link to: the web app's public address."""
    from newsmon.web.edges import public_base

    return public_base(config)


async def _serve_web(web: Any, sockets: list[Any] | None) -> None:
    """Serve until told to stop; a port already in use costs the web app, not the crawler."""
    try:
        await web.serve(sockets=sockets)
    except (SystemExit, OSError):
        logger.error(
            "web app stopped: could not serve on %s:%s (see above); crawling goes on",
            web.config.host,
            web.config.port,
        )


async def run_service(
    config: Config, stop: asyncio.Event, *, web: Any = None, sockets: list[Any] | None = None
) -> None:
    """Crawl continuously and run the timed jobs (and the web app, when given, on `sockets`
    bound already) until `stop` is set. Raises DatabaseError when the database could not
    be written."""
    service = CrawlService(config)
    monitor = Monitor(service)
    monitor.ledger_key = ledger_key(config)  # KeyFileError before anything starts
    scheduler = build_scheduler(monitor)
    scheduler.start()
    crawl = asyncio.ensure_future(monitor.crawl(stop))
    web_task = asyncio.ensure_future(_serve_web(web, sockets)) if web is not None else None
    logger.info("newsmon is running; Ctrl-C stops it")
    try:
        await stop.wait()
    finally:
        logger.info("stopping: finishing pages in flight")
        scheduler.pause()  # no new runs; running jobs finish, but for notifications:
        monitor.cancel_waiting_jobs()  # a receiver's pace must not hold the shutdown
        await service.stop()
        await asyncio.wait({crawl}, timeout=60)
        await monitor.finish_running_jobs()
        scheduler.shutdown(wait=False)
        await _last_checkpoint(monitor)
        try:
            await service.leave_roll_call()
        except Exception as exc:
            logger.warning("could not leave the roll call: %s", exc)
        if web_task is not None:
            web.should_exit = True
            await asyncio.wait_for(web_task, timeout=10)
        logger.info("stopped")
    if monitor.fatal:
        raise DatabaseError(monitor.fatal)

"""Crawls as the CLI and the service run them: one Scrapy crawl fed by a work queue.

`newsmon run` keeps one continuous crawl open whose downloader stays full: it
claims due feeds and articles as slots free up. `newsmon crawl` runs the same
crawl until nothing is due and nothing is in flight. A CrawlService lives as
long as the process, on the one reactor, and stands in the fleet's roll call
(`crawler_heartbeats`) while it crawls.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from dataclasses import dataclass, fields
from functools import partial
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner

from newsmon.config.settings import Config, parse_duration
from newsmon.core.clock import Clock, SystemClock
from newsmon.core.outcomes import CheckOutcome
from newsmon.crawl.claims import (
    DEAD_AFTER,
    forget_dead_neighbours,
    heartbeat,
    mark_all_pass,
    register_crawler,
    release_orphans,
    retire_crawler,
)
from newsmon.crawl.robots import RobotsCache
from newsmon.crawl.scrapy_settings import crawl_settings
from newsmon.crawl.workers import budget_of, warm
from newsmon.crawl.workqueue import QueuePlan, WorkQueue
from newsmon.record.store import freeze_quiet
from newsmon.spiders.watch import WatchSpider
from newsmon.storage.batchwriter import in_transaction, writer_for
from newsmon.storage.db import DatabaseError, ensure_schema, transaction

logger = logging.getLogger(__name__)
HEARTBEAT_EVERY = 30.0  # seconds


@dataclass(frozen=True)
class PassStats:
    """What one crawl did."""

    feeds_polled: int = 0
    feed_errors: int = 0
    articles_new: int = 0
    articles_checked: int = 0
    articles_captured: int = 0
    articles_changed: int = 0
    articles_unchanged: int = 0
    errors: int = 0
    failures: int = 0  # items a pipeline could not handle: a bug or a database problem
    frozen: int = 0
    seconds: float = 0.0

    def __add__(self, other: PassStats) -> PassStats:
        return PassStats(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))

    @classmethod
    def from_scrapy(cls, stats: dict[str, Any], **extra: Any) -> PassStats:
        outcome = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if "/outcome/" in k}
        return cls(
            feeds_polled=stats.get("newsmon/feeds_polled", 0),
            feed_errors=stats.get("newsmon/feed_errors", 0),
            articles_new=stats.get("newsmon/articles_new", 0),
            articles_checked=stats.get("newsmon/articles_checked", 0),
            articles_captured=outcome.get(CheckOutcome.CAPTURED, 0),
            articles_changed=outcome.get(CheckOutcome.CHANGED, 0),
            articles_unchanged=outcome.get(CheckOutcome.UNCHANGED, 0)
            + outcome.get(CheckOutcome.NOT_MODIFIED, 0),
            errors=outcome.get(CheckOutcome.ERROR, 0) + outcome.get(CheckOutcome.GONE, 0),
            failures=stats.get("newsmon/pipeline_failures", 0),
            **extra,
        )

    def line(self) -> str:
        return (
            f"feeds polled {self.feeds_polled} ({self.feed_errors} failed), "
            f"articles new {self.articles_new}, checked {self.articles_checked}: "
            f"first captured {self.articles_captured}, changed {self.articles_changed}, "
            f"unchanged {self.articles_unchanged}, errors {self.errors}, "
            f"frozen {self.frozen}, internal failures {self.failures}, {self.seconds:.1f}s"
        )


def _values(stats: PassStats) -> tuple[Any, ...]:
    return tuple(getattr(stats, f.name) for f in fields(PassStats))


class CrawlService:
    """Runs crawls on the process's reactor; built once per process."""

    def __init__(self, config: Config, clock: Clock | None = None, **scrapy_overrides: Any) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.engine = ensure_schema(config.database_url)
        self.robots = RobotsCache(self.clock)  # shared by this process's crawls
        self._robots_loaded = False
        self.settings = crawl_settings(config, NEWSMON_ROBOTS_CACHE=self.robots, **scrapy_overrides)
        self._runner: AsyncCrawlerRunner | None = None
        self._queues: set[WorkQueue] = set()
        self._crawlers: dict[WorkQueue, Any] = {}
        self.crawler_id: int | None = None
        self.stopping = False

    @property
    def runner(self) -> AsyncCrawlerRunner:
        if self._runner is None:  # needs the installed reactor: build lazily, on its loop
            self._runner = AsyncCrawlerRunner(self.settings)
        return self._runner

    def plan(self, **choices: Any) -> QueuePlan:
        # A task is in flight from its claim until it is stored, not only while it
        # downloads: hold enough that every site's download slot always has its next page
        # queued while the last one is extracted and stored. The window is per host, as
        # Scrapy's slots are: a source spread over many hosts keeps all of them busy.
        capacity = 3 * self.settings.getint("CONCURRENT_REQUESTS")
        per_host = self.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        return QueuePlan(
            capacity=capacity,
            per_host=2 * per_host + 1,
            lease=parse_duration(self.config.lease),
            **choices,
        )

    async def crawl(self, plan: QueuePlan) -> PassStats:
        """One crawl with its own work queue; returns when it is drained or stopped."""
        if self.stopping:
            return PassStats()
        started = time.monotonic()
        crawler_id = await self._db(self._enter_roll_call)
        if not self._robots_loaded:  # what earlier runs fetched: no robots.txt wait at start
            self._robots_loaded = True
            warm(budget_of(self.config))  # workers start while feeds and robots.txt are read
            await self._db(self.robots.load)
        if plan.everything:
            since = self.clock.now()
            await self._db(partial(mark_all_pass, crawler_id=crawler_id, since=since))
        queue = WorkQueue(self.config.database_url, self.clock, plan, owner=self.crawler_id)
        crawler = self.runner.create_crawler(WatchSpider)
        stop_listening = writer_for(self.config.database_url).listen(queue.unwritable)
        self._queues.add(queue)
        self._crawlers[queue] = crawler
        if self.stopping:  # stopped while this crawl was being set up
            queue.stop()
        beating = asyncio.ensure_future(self._beat_while(queue))
        try:
            await self.runner.crawl(crawler, queue=queue, clock=self.clock)
            await queue.release_held()
        finally:
            self._queues.discard(queue)
            self._crawlers.pop(queue, None)
            stop_listening()
            beating.cancel()
            if plan.everything and not queue.fatal:
                await self._db(partial(mark_all_pass, crawler_id=crawler_id, since=None))
        if queue.fatal:
            raise DatabaseError(f"cannot write to the database: {queue.fatal}; crawl stopped")
        stats = crawler.stats.get_stats() if crawler.stats else {}
        return PassStats.from_scrapy(stats, seconds=time.monotonic() - started)

    async def crawl_once(self, *, everything: bool = False) -> PassStats:
        """Freeze what went quiet, then poll feeds and check articles until nothing is due."""
        frozen = await self._db(self.freeze)
        stats = await self.crawl(self.plan(everything=everything))
        return stats + PassStats(frozen=frozen)

    async def poll_feeds(self, *, everything: bool = False) -> PassStats:
        return await self.crawl(self.plan(articles=False, everything=everything))

    async def check_articles(self, *, everything: bool = False) -> PassStats:
        frozen = await self._db(self.freeze)
        stats = await self.crawl(self.plan(feeds=False, everything=everything))
        return stats + PassStats(frozen=frozen)

    async def run_continuously(self) -> PassStats:
        """`newsmon run`'s crawl: claims work as it falls due, until `stop()`."""
        return await self.crawl(self.plan(continuous=True))

    def freeze(self, session: Any = None) -> int:
        if session is None:
            with transaction(self.engine) as session:
                return self.freeze(session)
        return freeze_quiet(session, now=self.clock.now(), policy=self.config.recheck_policy())

    async def stop(self) -> None:
        """Stop claiming; pages in flight finish and are stored; unstarted claims are freed."""
        self.stopping = True
        for queue in list(self._queues):
            queue.stop()

    def progress(self) -> tuple[int, int]:
        """(feeds and articles done, tasks in flight) of the crawls running now; safe to
        read from another thread for a progress display."""
        done = held = 0
        for queue, crawler in list(self._crawlers.items()):
            stats = crawler.stats.get_stats() if crawler.stats else {}
            done += stats.get("newsmon/feeds_polled", 0) + stats.get("newsmon/articles_checked", 0)
            held += len(queue.held)
        return done, held

    async def leave_roll_call(self) -> None:
        if self.crawler_id is not None:
            crawler_id, self.crawler_id = self.crawler_id, None
            await self._db(lambda s: retire_crawler(s, crawler_id=crawler_id))

    # -- the fleet's roll call -------------------------------------------------------
    def _enter_roll_call(self, session: Any) -> int:
        """Register this crawler (or beat its heart); returns its roll-call id."""
        now = self.clock.now()
        if self.crawler_id is None:
            host = socket.gethostname()
            forget_dead_neighbours(session, host=host, is_running=_is_running)
            self.crawler_id = register_crawler(session, host=host, pid=os.getpid(), now=now)
        else:
            heartbeat(session, crawler_id=self.crawler_id, now=now)
        freed = release_orphans(session, alive_since=now - DEAD_AFTER)
        if freed:
            logger.info("took over %d claim(s) of a crawler that stopped reporting", freed)
        return self.crawler_id

    async def _beat_while(self, queue: WorkQueue) -> None:
        while not queue.stopping:
            await asyncio.sleep(HEARTBEAT_EVERY)
            crawler_id = self.crawler_id
            if crawler_id is not None:
                now = self.clock.now()
                try:
                    await self._db(partial(heartbeat, crawler_id=crawler_id, now=now))
                except Exception as exc:
                    logger.warning("heartbeat not recorded: %s", exc)

    async def _db(self, work: Any) -> Any:
        """Database work on the crawl's writer thread; an unwritable database raises
        DatabaseUnwritable, a DatabaseError."""
        return await in_transaction(self.config.database_url, work)


def _is_running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True

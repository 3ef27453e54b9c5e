"""One crawl pass, as the CLI and the scheduler run it: poll due feeds, check due articles.

A CrawlService lives as long as the process and runs crawl after crawl on the
one reactor; the schedule is read from the database at the start of each pass.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner, Crawler

from newsmon.clock import Clock, SystemClock
from newsmon.config import Config
from newsmon.crawlsettings import crawl_settings
from newsmon.db import ensure_schema, transaction
from newsmon.store import all_feeds, due_articles, due_feeds, freeze_quiet
from spiders.articles import ArticleSpider
from spiders.feeds import FeedSpider

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PassStats:
    """What one crawl pass did."""

    feeds_polled: int = 0
    feed_errors: int = 0
    articles_new: int = 0
    articles_checked: int = 0
    articles_changed: int = 0
    articles_unchanged: int = 0
    errors: int = 0
    frozen: int = 0
    seconds: float = 0.0

    def __add__(self, other: PassStats) -> PassStats:
        return PassStats(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))

    def line(self) -> str:
        return (
            f"feeds polled {self.feeds_polled} ({self.feed_errors} failed), "
            f"articles new {self.articles_new}, checked {self.articles_checked}, "
            f"changed {self.articles_changed}, errors {self.errors}, "
            f"frozen {self.frozen}, {self.seconds:.1f}s"
        )


def _values(stats: PassStats) -> tuple[Any, ...]:
    return tuple(getattr(stats, f) for f in PassStats.__dataclass_fields__)


def _stats_of(crawler: Crawler) -> dict[str, Any]:
    return crawler.stats.get_stats() if crawler.stats else {}


class CrawlService:
    """Runs feed polls and article checks on the process's reactor; built once per process."""

    def __init__(self, config: Config, clock: Clock | None = None, **scrapy_overrides: Any) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.engine = ensure_schema(config.database_url)
        self.settings = crawl_settings(config, **scrapy_overrides)
        self._runner: AsyncCrawlerRunner | None = None
        self.stopping = False

    @property
    def runner(self) -> AsyncCrawlerRunner:
        if self._runner is None:  # needs the installed reactor: build lazily, on its loop
            self._runner = AsyncCrawlerRunner(self.settings)
        return self._runner

    async def _run(self, spider: type, tasks: list[Any]) -> dict[str, Any]:
        if self.stopping:  # claimed tasks wait for their lease to run out, or a restart
            return {}
        crawler = self.runner.create_crawler(spider)
        await self.runner.crawl(crawler, tasks=tasks, clock=self.clock)
        return _stats_of(crawler)

    async def poll_feeds(self, *, everything: bool = False) -> PassStats:
        started = time.monotonic()
        tasks = await asyncio.to_thread(self._feed_tasks, everything)
        if not tasks:
            return PassStats()
        stats = await self._run(FeedSpider, tasks)
        return PassStats(
            feeds_polled=stats.get("newsmon/feeds_polled", 0),
            feed_errors=stats.get("newsmon/feed_errors", 0),
            articles_new=stats.get("newsmon/articles_new", 0),
            seconds=time.monotonic() - started,
        )

    def _feed_tasks(self, everything: bool) -> list[Any]:
        with transaction(self.engine) as session:
            return all_feeds(session) if everything else due_feeds(session, now=self.clock.now())

    def _article_tasks(self, everything: bool) -> list[Any]:
        with transaction(self.engine) as session:
            return due_articles(
                session,
                now=self.clock.now(),
                limit=self.config.article_batch,
                everything=everything,
            )

    def freeze(self) -> int:
        with transaction(self.engine) as session:
            return freeze_quiet(session, now=self.clock.now(), policy=self.config.recheck_policy())

    async def check_articles(self, *, everything: bool = False) -> PassStats:
        """Freeze what has gone quiet, then fetch the most overdue articles, one batch."""
        started = time.monotonic()
        # Database work runs in a thread: a busy database must not stall the event loop.
        frozen = await asyncio.to_thread(self.freeze)
        tasks = await asyncio.to_thread(self._article_tasks, everything)
        if not tasks:
            return PassStats(frozen=frozen, seconds=time.monotonic() - started)
        stats = await self._run(ArticleSpider, tasks)
        outcomes = {
            k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("newsmon/outcome/")
        }
        return PassStats(
            articles_checked=stats.get("newsmon/articles_checked", 0),
            articles_changed=outcomes.get("changed", 0),
            articles_unchanged=outcomes.get("unchanged", 0) + outcomes.get("not_modified", 0),
            errors=outcomes.get("error", 0) + outcomes.get("gone", 0),
            frozen=frozen,
            seconds=time.monotonic() - started,
        )

    async def crawl_once(self, *, everything: bool = False) -> PassStats:
        """Poll feeds, then check articles (new ones included): `newsmon crawl`."""
        started = time.monotonic()
        feeds = await self.poll_feeds(everything=everything)
        articles = await self.check_articles(everything=everything)
        total = feeds + articles
        return PassStats(**{**total.__dict__, "seconds": time.monotonic() - started})

    async def stop(self) -> None:
        """Stop crawls in flight: pages being stored finish, unstarted ones are dropped."""
        self.stopping = True
        if self._runner is not None:
            await self._runner.stop()

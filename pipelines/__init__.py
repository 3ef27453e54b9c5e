"""newsmon's item pipelines: discover (feeds), extract (CPU, off the loop), snapshot (store).

Every pipeline isolates failure: an exception while handling one item becomes that
item's recorded failure, and the crawl goes on. Only a database that cannot be
written stops the crawl, because then nothing can be recorded at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Self, TypeVar

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from sqlalchemy import Engine

from newsmon.config.settings import Config
from newsmon.crawl.scrapy_settings import config_from_settings
from newsmon.storage.batchwriter import writer_for
from newsmon.storage.db import DatabaseUnwritable, shared_engine

T = TypeVar("T")
logger = logging.getLogger(__name__)


class DatabaseComponent:
    """Runs short transactions in the database thread, off the crawl's event loop."""

    batched = True  # small writes share transactions; large ones set this to False
    stats: StatsCollector  # the crawl's, set by from_crawler

    def __init__(self, database_url: str, config: Config) -> None:
        self.database_url = database_url
        self.config = config
        self.recheck_policy = config.recheck_policy()  # parsed once, used for every item
        self.feed_policy = config.feed_policy()
        self.engine: Engine = shared_engine(database_url)
        self.crawler: Crawler | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = config_from_settings(crawler.settings)
        component = cls(config.database_url, config)
        component.crawler = crawler
        component.stats = crawler.stats
        return component

    async def in_transaction(self, work: Callable[..., T], /, **kwargs: Any) -> T:
        """`work(session, **kwargs)` in the database thread, sharing a transaction with the
        other writes that arrive meanwhile (newsmon.storage.batchwriter). No write can
        succeed: the writer says so once and tells the crawl to stop (DatabaseUnwritable)."""
        writer = writer_for(self.database_url)
        result: T = await writer.run(work, alone=not self.batched, **kwargs)
        return result

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        """Handle one item; what goes wrong with it is recorded as its own failure."""
        try:
            return await self.handle(item)
        except DatabaseUnwritable:
            return item  # the crawl is stopping; the item's claim runs out
        except Exception as exc:
            logger.exception("%s failed on %s", type(self).__name__, _describe(item))
            self.stats.inc_value("newsmon/pipeline_failures")
            try:
                await self.record_failure(item, f"internal error: {type(exc).__name__}: {exc}")
            except DatabaseUnwritable:
                pass
            except Exception:
                logger.exception("could not record the failure of %s", _describe(item))
            return item

    async def handle(self, item: Any) -> Any:
        raise NotImplementedError

    async def record_failure(self, item: Any, error: str) -> None:
        """Store that this item failed; subclasses know their rows."""


def _describe(item: Any) -> str:
    task = getattr(item, "task", None)
    return getattr(task, "url", None) or type(item).__name__

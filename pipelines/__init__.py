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
from newsmon.storage.batchwriter import BatchWriter
from newsmon.storage.db import db_thread, shared_engine, unwritable_reason

T = TypeVar("T")
logger = logging.getLogger(__name__)

# Sent with `reason=` when no write can succeed; the crawl service stops on it.
database_unwritable = object()


_writers: dict[str, BatchWriter] = {}


def batch_writer(url: str) -> BatchWriter:
    """One batching writer per database per process, on the database's one thread."""
    writer = _writers.get(url)
    if writer is None:
        writer = _writers[url] = BatchWriter(shared_engine(url), db_thread(url))
    return writer


class DatabaseUnwritable(RuntimeError):
    """No write can succeed (disk full, read-only, server gone): stop, do not pretend."""


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
        other writes that arrive meanwhile (newsmon.storage.batchwriter)."""
        writer = batch_writer(self.database_url)
        try:
            return await writer.run(work, alone=not self.batched, **kwargs)
        except Exception as exc:
            reason = unwritable_reason(exc)
            if reason is None:
                raise
            self._unwritable(reason, exc)
            raise DatabaseUnwritable(reason) from exc

    def _unwritable(self, reason: str, exc: BaseException) -> None:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        logger.error("the database cannot be written (%s): %s", reason, detail[:300])
        if self.crawler is not None:
            self.crawler.signals.send_catch_log(signal=database_unwritable, reason=reason)

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

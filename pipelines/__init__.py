"""newsmon's item pipelines: discover (feeds), extract (CPU, off the loop), snapshot (store)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from sqlalchemy import Engine

from newsmon.config import Config
from newsmon.db import shared_engine, transaction

T = TypeVar("T")
_writers: dict[str, ThreadPoolExecutor] = {}
_writers_lock = threading.Lock()


def config_from_settings(settings: BaseSettings) -> Config:
    """The service passes its Config; `scrapy crawl` falls back to env and settings."""
    config = settings.get("NEWSMON_CONFIG")
    if isinstance(config, Config):
        return config
    return Config.load(database_url=settings.get("NEWSMON_DATABASE_URL"))


def _writer(url: str) -> ThreadPoolExecutor:
    """One database thread per database: writes never wait on each other in-process."""
    with _writers_lock:
        if url not in _writers:
            _writers[url] = ThreadPoolExecutor(1, thread_name_prefix="newsmon-db")
        return _writers[url]


class DatabaseComponent:
    """Runs short transactions in the database thread, off the crawl's event loop."""

    def __init__(self, database_url: str, config: Config) -> None:
        self.database_url = database_url
        self.config = config
        self.recheck_policy = config.recheck_policy()  # parsed once, used for every item
        self.feed_policy = config.feed_policy()
        self.engine: Engine = shared_engine(database_url)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        config = config_from_settings(crawler.settings)
        component = cls(config.database_url, config)
        component.stats = crawler.stats  # type: ignore[attr-defined]
        return component

    async def in_transaction(self, work: Callable[..., T], /, **kwargs: Any) -> T:
        def run() -> T:
            with transaction(self.engine) as session:
                return work(session, **kwargs)

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_writer(self.database_url), run)

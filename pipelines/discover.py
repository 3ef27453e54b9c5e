"""Stores what a feed poll found: new articles, due at once, and the feed's health."""

from __future__ import annotations

from typing import Any

from newsmon.items import FeedPolled
from newsmon.store import record_feed_poll
from pipelines import DatabaseComponent


class DiscoverPipeline(DatabaseComponent):
    """FeedPolled items in; articles rows out."""

    async def handle(self, item: Any) -> Any:
        if not isinstance(item, FeedPolled):
            return item
        outcome = await self.in_transaction(record_feed_poll, result=item, policy=self.feed_policy)
        self.stats.inc_value("newsmon/feeds_polled")
        self.stats.inc_value("newsmon/articles_new", outcome.new_articles)
        if outcome.error:
            self.stats.inc_value("newsmon/feed_errors")
        return item

    async def record_failure(self, item: Any, error: str) -> None:
        if isinstance(item, FeedPolled):
            failed = FeedPolled(task=item.task, fetched_at=item.fetched_at, error=error)
            await self.in_transaction(record_feed_poll, result=failed, policy=self.feed_policy)
            self.stats.inc_value("newsmon/feeds_polled")
            self.stats.inc_value("newsmon/feed_errors")

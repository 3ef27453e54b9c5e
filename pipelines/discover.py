"""Stores what a feed poll found: new articles, due at once, and the feed's health.

Writes are bounded and short: at most `max_entries_per_poll` entries per poll, stored
in chunks of CHUNK entries, one transaction each, so a huge feed never holds the
database's write lock for seconds while other writers wait.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from newsmon.discover.feeds import FeedEntry
from newsmon.pipelines import DatabaseComponent
from newsmon.record.items import FeedPolled
from newsmon.record.store import add_entries, record_feed_poll

logger = logging.getLogger(__name__)

CHUNK = 200
_UNDATED = datetime.min.replace(tzinfo=UTC)


def newest_entries(entries: Sequence[FeedEntry], limit: int) -> tuple[list[FeedEntry], int]:
    """The `limit` newest entries, newest first, and how many were left out.

    A stable sort: entries the feed does not date keep the feed's order, after dated ones.
    """
    ordered = sorted(entries, key=lambda e: e.published_at or _UNDATED, reverse=True)
    return ordered[:limit], max(len(ordered) - limit, 0)


def chunks(entries: Sequence[FeedEntry], size: int = CHUNK) -> list[Sequence[FeedEntry]]:
    return [entries[i : i + size] for i in range(0, len(entries), size)]


class DiscoverPipeline(DatabaseComponent):
    """FeedPolled items in; articles rows out."""

    batched = False  # a chunk of entries is a transaction of its own

    async def handle(self, item: Any) -> Any:
        if not isinstance(item, FeedPolled):
            return item
        added = await self._store_entries(item)
        outcome = await self.in_transaction(
            record_feed_poll,
            result=item,
            policy=self.feed_policy.floored(item.task.min_interval),
            added=added,
        )
        self.stats.inc_value("newsmon/feeds_polled")
        self.stats.inc_value("newsmon/articles_new", outcome.new_articles)
        if outcome.error:
            self.stats.inc_value("newsmon/feed_errors")
        return item

    async def _store_entries(self, item: FeedPolled) -> int:
        if item.parsed is not None and item.parsed.rejected:
            rejected = item.parsed.rejected
            logger.warning(
                "feed %s: %d entr%s refused: %s",
                item.task.url,
                len(rejected),
                "y" if len(rejected) == 1 else "ies",
                "; ".join(f"{link!r}: {reason}" for link, reason in rejected[:3]),
            )
            self.stats.inc_value("newsmon/entries_refused", len(rejected))
        if item.parsed is None or not item.parsed.entries:
            return 0
        kept, left_out = newest_entries(item.parsed.entries, self.config.max_entries_per_poll)
        if left_out:
            logger.warning(
                "feed %s: %d entries; stored the %d newest, left out %d (max_entries_per_poll)",
                item.task.url,
                len(item.parsed.entries),
                len(kept),
                left_out,
            )
            self.stats.inc_value("newsmon/entries_left_out", left_out)
        added = 0
        for chunk in chunks(kept):
            added += await self.in_transaction(
                add_entries, source_id=item.task.source_id, entries=chunk, now=item.fetched_at
            )
        return added

    async def record_failure(self, item: Any, error: str) -> None:
        if isinstance(item, FeedPolled):
            failed = FeedPolled(task=item.task, fetched_at=item.fetched_at, error=error)
            policy = self.feed_policy.floored(item.task.min_interval)
            await self.in_transaction(record_feed_poll, result=failed, policy=policy)
            self.stats.inc_value("newsmon/feeds_polled")
            self.stats.inc_value("newsmon/feed_errors")

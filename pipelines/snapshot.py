"""Hands each checked page to the record (newsmon.record.check), which decides what it
means and stores it: a new version when the text changed, a check row always."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from newsmon.core.outcomes import CheckOutcome
from newsmon.crawl.metrics import process_metrics
from newsmon.crawl.workers import budget_of, in_worker
from newsmon.pipelines import DatabaseComponent
from newsmon.record.changes import Change, StaleChange, measure, read_latest
from newsmon.record.check import record_failure as store_failure
from newsmon.record.check import record_page
from newsmon.record.items import PageItem
from newsmon.record.reading import StoredText

logger = logging.getLogger(__name__)
# Times a page's change is measured again because another version was stored meanwhile
# (another crawler on the same article); more than that and the check fails, to be retried.
MAX_MEASURES = 3


class SnapshotPipeline(DatabaseComponent):
    """PageItem in; versions and checks rows out, in one transaction per page."""

    async def handle(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        policy = self.recheck_policy.floored(item.task.min_interval)
        if item.error:
            outcome = await self.in_transaction(store_failure, item=item, policy=policy)
            logger.warning("check %s: %s (%s)", item.task.url, outcome, item.error)
        else:
            outcome = await self._store(item)
        self._count(item, outcome)
        return item

    async def _store(self, item: PageItem) -> CheckOutcome:
        """The page's change is measured first, off the writer thread and outside any write
        transaction; the write declines if the version it was measured against is stale."""
        change = None
        new_text = item.reading.new_text(item.task) if item.reading else None
        if new_text is not None:
            change = await self._measure(new_text, item.task.article_id)
        for attempt in range(1, MAX_MEASURES + 1):
            try:
                return await self.in_transaction(
                    record_page,
                    item=item,
                    policy=self.recheck_policy.floored(item.task.min_interval),
                    change=change,
                )
            except StaleChange as stale:
                if attempt == MAX_MEASURES:
                    raise
                change = await self._measure(_text_of(item), stale.article_id)
        raise AssertionError("unreachable")

    async def _measure(self, page: StoredText, article_id: int) -> Change:
        title, text, digest = page
        base = await asyncio.to_thread(read_latest, self.engine, article_id)
        return await in_worker(
            measure,
            base,
            title,
            text,
            digest,
            budget=budget_of(self.config),
            what="measuring the change",
        )

    def _count(self, item: PageItem, outcome: CheckOutcome) -> None:
        self.stats.inc_value("newsmon/articles_checked")
        self.stats.inc_value(f"newsmon/outcome/{outcome}")
        process_metrics().check(outcome)
        if item.duration_ms is not None:
            process_metrics().fetch(item.duration_ms / 1000)
        if outcome is CheckOutcome.CHANGED:
            logger.info("changed: %s", item.task.url)

    async def record_failure(self, item: Any, error: str) -> None:
        if isinstance(item, PageItem):
            item.error = error[:500]
            outcome = await self.in_transaction(
                store_failure, item=item, policy=self.recheck_policy
            )
            self._count(item, outcome)


def _text_of(item: PageItem) -> StoredText:
    """The page's text as stored: a stale change is measured again from it."""
    assert item.reading is not None and item.reading.text is not None
    return item.reading.text

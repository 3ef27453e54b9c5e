"""Stores each checked page: a new version when the text changed, a check row always."""

from __future__ import annotations

import logging
from typing import Any

from newsmon.crawl.metrics import process_metrics
from newsmon.record.items import PageItem
from newsmon.record.store import record_failure as store_failure
from newsmon.record.store import record_page
from pipelines import DatabaseComponent

logger = logging.getLogger(__name__)


class SnapshotPipeline(DatabaseComponent):
    """PageItem in; versions and checks rows out, in one transaction per page."""

    async def handle(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        policy = self.recheck_policy
        if item.error:
            outcome = await self.in_transaction(store_failure, item=item, policy=policy)
            logger.warning("check %s: %s (%s)", item.task.url, outcome, item.error)
        else:
            outcome = await self.in_transaction(record_page, item=item, policy=policy)
        self._count(item, outcome)
        return item

    def _count(self, item: PageItem, outcome: str) -> None:
        if outcome == "changed" and item.task.latest_hash is None:
            outcome = "captured"  # the first version of a new article is not a change
        self.stats.inc_value("newsmon/articles_checked")
        self.stats.inc_value(f"newsmon/outcome/{outcome}")
        process_metrics().check(outcome)
        if item.duration_ms is not None:
            process_metrics().fetch(item.duration_ms / 1000)
        if outcome == "changed":
            logger.info("changed: %s", item.task.url)

    async def record_failure(self, item: Any, error: str) -> None:
        if isinstance(item, PageItem):
            item.error = error[:500]
            outcome = await self.in_transaction(
                store_failure, item=item, policy=self.recheck_policy
            )
            self._count(item, outcome)

"""Stores each checked page: a new version when the text changed, a check row always."""

from __future__ import annotations

import logging
from typing import Any

from newsmon.items import PageItem
from newsmon.metrics import process_metrics
from newsmon.store import record_failure, record_page
from pipelines import DatabaseComponent

logger = logging.getLogger(__name__)


class SnapshotPipeline(DatabaseComponent):
    """PageItem in; versions and checks rows out, in one transaction per page."""

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, PageItem):
            return item
        policy = self.recheck_policy
        if item.error:
            outcome = await self.in_transaction(record_failure, item=item, policy=policy)
            logger.warning("check %s: %s (%s)", item.task.url, outcome, item.error)
        else:
            outcome = await self.in_transaction(record_page, item=item, policy=policy)
        self.stats.inc_value("newsmon/articles_checked")
        self.stats.inc_value(f"newsmon/outcome/{outcome}")
        process_metrics().check(outcome)
        if item.duration_ms is not None:
            process_metrics().fetch(item.duration_ms / 1000)
        if outcome == "changed":
            logger.info("changed: %s", item.task.url)
        return item

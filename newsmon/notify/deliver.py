"""One delivery round: enqueue matching new versions, send what is due, log the outcomes.

Runs on the service's event loop beside the crawler: database work goes to a
thread, sends run concurrently, each bounded by a timeout, so a destination that
never answers costs one timeout of this job, never a crawl.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from newsmon.notify import records
from newsmon.notify.send import send
from newsmon.storage.db import transaction

logger = logging.getLogger("newsmon.notify")
SEND_TIMEOUT = 10.0
ROUND_LIMIT = 200


@dataclass(frozen=True)
class RoundStats:
    enqueued: int
    delivered: int
    failed: int


async def deliver_pending(
    engine: Engine,
    *,
    now: datetime,
    base_url: str,
    timeout: float = SEND_TIMEOUT,
    limit: int = ROUND_LIMIT,
) -> RoundStats:
    """Enqueue, then send every delivery due at `now` (at most `limit`), concurrently."""
    enqueued, jobs = await asyncio.to_thread(_claim, engine, now, limit)
    outcomes = await asyncio.gather(*(send(j, base_url=base_url, timeout=timeout) for j in jobs))
    await asyncio.to_thread(_record, engine, outcomes, now)
    delivered = sum(o.ok for o in outcomes)
    for outcome in outcomes:
        if not outcome.ok:
            logger.warning("notify: delivery %d failed: %s", outcome.delivery_id, outcome.error)
    return RoundStats(enqueued=enqueued, delivered=delivered, failed=len(outcomes) - delivered)


def _claim(engine: Engine, now: datetime, limit: int) -> tuple[int, list[records.Job]]:
    with transaction(engine) as session:
        enqueued = records.enqueue(session, now=now)
    with transaction(engine) as session:
        return enqueued, records.due(session, now=now, limit=limit)


def _record(engine: Engine, outcomes: list[records.Outcome], now: datetime) -> None:
    with transaction(engine) as session:
        for outcome in outcomes:
            records.record(session, outcome, now=now)


def notify_job(
    engine: Engine, now: Callable[[], datetime], base_url: str
) -> Callable[[], Awaitable[RoundStats]]:
    """The scheduler job: one delivery round at the clock's `now`, logged in one line."""

    async def job() -> RoundStats:
        stats = await deliver_pending(engine, now=now(), base_url=base_url)
        if stats.enqueued or stats.delivered or stats.failed:
            logger.info(
                "notify: %d new, %d delivered, %d failed",
                stats.enqueued,
                stats.delivered,
                stats.failed,
            )
        return stats

    return job

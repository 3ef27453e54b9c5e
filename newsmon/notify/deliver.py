"""Delivery rounds: enqueue matching new versions, send what is due, log the outcomes.

Runs on the service's event loop beside the crawler: database work goes to a
thread, sends run concurrently, each bounded by one deadline, so a destination that
never answers costs one timeout of this job, never a crawl. A round takes turns
between subscriptions; the job runs rounds back to back while they come back full,
so a backlog is worked off instead of growing by a round's worth a minute.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from newsmon.guard.netguard import IPNetwork
from newsmon.notify import records
from newsmon.notify.send import SEND_TIMEOUT, SendLimits, send_all
from newsmon.storage.db import transaction

logger = logging.getLogger("newsmon.notify")
ROUND_LIMIT = 200
JOB_BUDGET = 45.0  # seconds of back-to-back rounds in one run of the job (it runs each minute)

__all__ = [
    "ROUND_LIMIT",
    "SEND_TIMEOUT",
    "RoundStats",
    "deliver_backlog",
    "deliver_pending",
    "notify_job",
]


@dataclass(frozen=True)
class RoundStats:
    enqueued: int
    delivered: int
    failed: int

    @property
    def sent(self) -> int:
        return self.delivered + self.failed

    def __add__(self, other: RoundStats) -> RoundStats:
        return RoundStats(
            self.enqueued + other.enqueued,
            self.delivered + other.delivered,
            self.failed + other.failed,
        )


async def deliver_pending(
    engine: Engine,
    *,
    now: datetime,
    base_url: str,
    allow: tuple[IPNetwork, ...] = (),
    timeout: float = SEND_TIMEOUT,
    limit: int = ROUND_LIMIT,
) -> RoundStats:
    """One round: enqueue, then send up to `limit` deliveries due at `now`, concurrently,
    each subscription taking its turn."""
    enqueued, jobs = await asyncio.to_thread(_claim, engine, now, limit)
    limits = SendLimits(timeout=timeout, allow=allow)
    outcomes = await send_all(jobs, base_url=base_url, limits=limits)
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


async def deliver_backlog(
    engine: Engine,
    *,
    now: Callable[[], datetime],
    base_url: str,
    allow: tuple[IPNetwork, ...] = (),
    limit: int = ROUND_LIMIT,
    budget: float = JOB_BUDGET,
) -> RoundStats:
    """Rounds back to back while each comes back full, for at most `budget` seconds."""
    started = time.monotonic()
    total = RoundStats(0, 0, 0)
    while True:
        stats = await deliver_pending(
            engine, now=now(), base_url=base_url, allow=allow, limit=limit
        )
        total += stats
        if stats.sent < limit or time.monotonic() - started > budget:
            return total


def notify_job(
    engine: Engine, now: Callable[[], datetime], base_url: str, allow: tuple[IPNetwork, ...] = ()
) -> Callable[[], Awaitable[RoundStats]]:
    """The scheduler job: delivery rounds at the clock's `now`, logged in one line."""

    async def notify() -> RoundStats:
        stats = await deliver_backlog(engine, now=now, base_url=base_url, allow=allow)
        if stats.enqueued or stats.sent:
            logger.info(
                "notify: %d new, %d delivered, %d failed",
                stats.enqueued,
                stats.delivered,
                stats.failed,
            )
        return stats

    return notify

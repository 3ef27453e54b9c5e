"""The crawl's source of work: due feeds and articles, claimed as the downloader has room.

One long-lived crawl asks this queue for its next tasks. The queue keeps about
`capacity` tasks in flight (claimed, not yet stored), at most `per_host` of them
on one host, so a slow or huge site cannot fill the downloader while the others
wait. The window is per host, the key of Scrapy's download slots (newsmon.core.hosts),
not per source: a source whose articles live on many hosts keeps each of its hosts
busy, while no host gets more than its slot's politeness settings let through.
A task is in flight from its claim until the pipelines have stored its
outcome (or it failed); then the queue claims more. Claims are leases in the
database (newsmon.crawl.claims), so any number of crawler processes share the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import partial
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from newsmon.core.clock import Clock
from newsmon.core.hosts import host_of
from newsmon.crawl.claims import (
    DEAD_AFTER,
    ClaimRequest,
    all_pass_start,
    claim_articles,
    claim_feeds,
    release,
    renew,
)
from newsmon.record.items import ArticleTask, FeedTask
from newsmon.storage.batchwriter import in_transaction
from newsmon.storage.db import DatabaseUnwritable

logger = logging.getLogger(__name__)
T = TypeVar("T")
Task = FeedTask | ArticleTask


class _Claim(Protocol):
    """claim_feeds or claim_articles."""

    def __call__(self, session: Session, request: ClaimRequest) -> Sequence[Task]: ...


@dataclass(frozen=True)
class QueuePlan:
    """What one crawl works on, and how much at once."""

    feeds: bool = True
    articles: bool = True
    continuous: bool = False  # keep claiming as work falls due; else stop when none is left
    everything: bool = False  # `--all`: every feed and active article once, due or not
    capacity: int = 32
    per_host: int = 3  # tasks in flight per host: its download slot's share of `capacity`
    lease: timedelta = timedelta(minutes=10)
    idle_wait: float = 1.0  # seconds between looks at the database when nothing is due


def task_key(task: Task) -> tuple[str, int]:
    return ("feed", task.feed_id) if isinstance(task, FeedTask) else ("article", task.article_id)


@dataclass
class _Held:
    task: Task
    since: float
    host: str  # host_of(task.url): read once, counted at every claim (_busy)


@dataclass(eq=False)
class WorkQueue:
    """Claims work for one crawl and tracks it until stored; built by CrawlService."""

    database_url: str
    clock: Clock
    plan: QueuePlan
    owner: int | None = None
    held: dict[tuple[str, int], _Held] = field(default_factory=dict)
    seen: set[tuple[str, int]] = field(default_factory=set)
    stopping: bool = False
    fatal: str | None = None
    _after: dict[str, int] = field(default_factory=dict)
    _exhausted: set[str] = field(default_factory=set)
    _wake: asyncio.Event | None = None
    _renewed: float = field(default_factory=time.monotonic)

    # -- what the spider and the pipelines call --------------------------------------
    async def tasks(self) -> AsyncIterator[Task]:
        """Yield tasks as room frees up; ends when stopped, or drained in a one-off crawl."""
        self._wake = asyncio.Event()
        while not self.stopping:
            # Cleared before the claim, not before the wait: a task stored while the claim
            # runs (a feed's new articles) wakes the next look at once instead of a second on.
            self._wake.clear()
            self._forget_stale()
            try:
                await self._renew_leases()  # also while full: leases must outlive slow pages
                free = self.plan.capacity - len(self.held)
                if free < self._batch() and self.held:  # claim in batches, not page by page
                    await self._sleep(self.plan.idle_wait)
                    continue
                # The claim leaves out hosts whose window this crawler's tasks in flight
                # fill now; tasks stored while it runs free those hosts for the next one.
                claimed_beside_work = bool(self.held)
                fresh = await self._claim_fresh(free)
            except Exception as exc:
                if self._database_failed(exc):
                    return
                await self._sleep(self.plan.idle_wait)
                continue
            for task in fresh:
                self.held[task_key(task)] = _Held(task, time.monotonic(), host_of(task.url))
                if not self.plan.continuous:
                    self.seen.add(task_key(task))
                yield task
            if fresh:
                continue
            if not self.plan.continuous and not self.held:
                if not claimed_beside_work:
                    return  # nothing due, nothing in flight: the pass is over
                # The tasks that filled their hosts' windows finished during that claim:
                # those hosts' due work was not looked at yet (a pass once ended after
                # the first 5 of a feed's 40 articles). Look again, now with none held.
                continue
            await self._sleep(self.plan.idle_wait)

    def _batch(self) -> int:
        """Claims are a few queries each: wait until a tenth of the capacity is free."""
        return max(1, self.plan.capacity // 10)

    def done(self, task: Task) -> None:
        """The task's outcome is stored (or its failure is): its slot is free."""
        if self.held.pop(task_key(task), None) is None or self._wake is None:
            return
        if self.plan.capacity - len(self.held) >= self._batch() or not self.held:
            self._wake.set()

    def stop(self, fatal: str | None = None) -> None:
        self.stopping = True
        self.fatal = self.fatal or fatal
        if self._wake is not None:
            self._wake.set()

    def unwritable(self, reason: str, **_: Any) -> None:
        """The writer's listener: the database cannot be written, so stop claiming work."""
        self.stop(fatal=reason)

    async def release_held(self) -> int:
        """Free the claims of tasks that never reached a stored outcome (a shutdown)."""
        tasks = [h.task for h in self.held.values()]
        self.held.clear()
        if not tasks or self.fatal:
            return 0
        return await self._db(partial(self._release, tasks=tasks))

    # -- internals -----------------------------------------------------------------
    def _database_failed(self, exc: Exception) -> bool:
        """A claim that failed: stop for good when nothing can be written, else retry soon
        (a busy database is one claim's bad luck)."""
        if isinstance(exc, DatabaseUnwritable):  # the writer logged it: stop claiming
            self.stop(fatal=exc.reason)
            return True
        logger.warning("could not claim work (retrying): %s", str(exc).splitlines()[0][:300])
        return False

    async def _sleep(self, seconds: float) -> None:
        assert self._wake is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    async def _renew_leases(self) -> None:
        """Held tasks keep their leases while this crawler lives: a lease runs out only
        when its crawler died, however long a page waits in the downloader or pipelines."""
        now = time.monotonic()
        if self.owner is None or now - self._renewed < self.plan.lease.total_seconds() / 3:
            return
        self._renewed = now
        tasks = [h.task for h in self.held.values()]
        if tasks:
            await self._db(
                partial(
                    renew,
                    owner=self.owner,
                    until=self.clock.now() + self.plan.lease,
                    articles=[t.article_id for t in tasks if isinstance(t, ArticleTask)],
                    feeds=[t.feed_id for t in tasks if isinstance(t, FeedTask)],
                )
            )

    def _forget_stale(self, patience: float = 3600.0) -> None:
        """A task whose outcome never came back (a lost callback) stops counting after an
        hour; its lease, no longer renewed, runs out and another crawler may take it."""
        limit = time.monotonic() - max(patience, self.plan.lease.total_seconds())
        for key in [k for k, h in self.held.items() if h.since < limit]:
            logger.warning("no outcome for %s %s before its lease ran out", *key)
            del self.held[key]

    def _busy(self) -> dict[str, int]:
        """Tasks in flight per host, feeds and articles alike: they share the host's slot."""
        return dict(Counter(h.host for h in self.held.values()))

    async def _claim_fresh(self, free: int) -> list[Task]:
        """Claim, keeping only new work: a task still in flight whose lease ran out was just
        leased again (no second request); one already done in this pass is not done twice."""
        claimed = await self._claim(free)
        busy = self.seen | self.held.keys()
        again = [t for t in claimed if task_key(t) in busy and task_key(t) not in self.held]
        if again:
            await self._db(partial(self._release, tasks=again))
        return [t for t in claimed if task_key(t) not in busy]

    async def _claim(self, free: int) -> list[Task]:
        now = self.clock.now()
        base = ClaimRequest(
            now=now,
            until=now + self.plan.lease,
            limit=free,
            per_host=self.plan.per_host,
            busy=self._busy(),
            owner=self.owner,
        )
        if self.plan.everything:
            base = replace(
                base,
                checked_before=await self._db(
                    partial(all_pass_start, alive_since=now - DEAD_AFTER)
                ),
            )
        tasks: list[Task] = []
        claimers: tuple[tuple[str, _Claim], ...] = (
            ("feeds", claim_feeds),
            ("articles", claim_articles),
        )
        for kind, claim in claimers:
            if not getattr(self.plan, kind) or kind in self._exhausted or len(tasks) >= free:
                continue
            after = self._after.get(kind, 0) if self.plan.everything else None
            request = replace(base, limit=free - len(tasks), after_id=after)
            got = await self._db(partial(claim, request=request))
            if self.plan.everything:
                if got:
                    self._after[kind] = max(self._after.get(kind, 0), *map(_row_id, got))
                elif kind == "feeds":
                    self._exhausted.add(kind)  # articles may still be discovered
            tasks.extend(got)
        return tasks

    @staticmethod
    def _release(session: Any, tasks: list[Task]) -> int:
        return release(
            session,
            articles=[t.article_id for t in tasks if isinstance(t, ArticleTask)],
            feeds=[t.feed_id for t in tasks if isinstance(t, FeedTask)],
        )

    async def _db(self, work: Callable[[Any], T]) -> T:
        return await in_transaction(self.database_url, work)


def _row_id(task: Task) -> int:
    return task.feed_id if isinstance(task, FeedTask) else task.article_id

"""Many small writes, few transactions: the crawl's stores share commits.

Every checked page ends in a short write (a check row, maybe a version). One
transaction per page makes the commit and session set-up the crawl's main CPU
cost; this writer gathers what arrives while the database thread is busy and
runs it in one transaction. If that transaction fails, each piece of work is
retried in its own, so one bad row still costs only its own item.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from newsmon.storage.db import transaction

MAX_BATCH = 100
# How long the database thread waits for company before it writes. A session and a
# commit cost more than a check's own rows, and this thread competes with the crawl's
# for the interpreter, so a few milliseconds of latency buy much of the write cost back.
LINGER = 0.005


class Declined(Exception):
    """Raised by a job that will not write on what it was given (its inputs are stale).

    Only that job fails with it: the rest of its batch is written without it, in one
    transaction again, not each alone as after an error whose culprit is unknown.
    """


@dataclass
class _Job:
    work: Callable[..., Any]
    kwargs: dict[str, Any]
    future: asyncio.Future[Any]
    alone: bool = False


class BatchWriter:
    """Runs `work(session, **kwargs)` calls on one database thread, batched into
    transactions; each caller awaits its own result or exception."""

    def __init__(self, engine: Engine, executor: Executor) -> None:
        self.engine = engine
        self.executor = executor
        self._pending: list[_Job] = []
        self._lock = threading.Lock()
        self._scheduled = False

    async def run(self, work: Callable[..., Any], /, *, alone: bool = False, **kwargs: Any) -> Any:
        """`alone`: a write big enough to deserve its own short transaction (a chunk of
        feed entries), so batching never makes one transaction hold the lock for long."""
        loop = asyncio.get_running_loop()
        job = _Job(work, kwargs, loop.create_future(), alone)
        with self._lock:
            self._pending.append(job)
            schedule = not self._scheduled
            self._scheduled = True
        if schedule:
            loop.run_in_executor(self.executor, self._drain, loop)
        return await job.future

    def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            time.sleep(LINGER)  # group commit: let the writes arriving meanwhile join
            with self._lock:
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                if not batch:
                    self._scheduled = False
                    return
            for job, outcome, failed in self._write(batch):
                setter = job.future.set_exception if failed else job.future.set_result
                loop.call_soon_threadsafe(_settle, job.future, setter, outcome)

    def _write(self, jobs: list[_Job]) -> list[tuple[_Job, Any, bool]]:
        batch = [job for job in jobs if not job.alone]
        settled: list[tuple[_Job, Any, bool]] = []
        while len(batch) > 1:
            running = batch[0]
            try:
                with transaction(self.engine) as session:
                    results = []
                    for running in batch:
                        results.append(running.work(session, **running.kwargs))
                settled += [
                    (job, result, False) for job, result in zip(batch, results, strict=True)
                ]
                batch = []
            except Declined as exc:  # that job alone fails; the others go again together
                settled.append((running, exc, True))
                batch = [job for job in batch if job is not running]
            except Exception:
                break  # find the culprit: each job alone, in its own transaction
        for job in [*batch, *(job for job in jobs if job.alone)]:
            try:
                with transaction(self.engine) as session:
                    settled.append((job, job.work(session, **job.kwargs), False))
            except Exception as exc:
                settled.append((job, exc, True))
        return settled


def _settle(future: asyncio.Future[Any], setter: Callable[[Any], None], value: Any) -> None:
    if not future.done():
        setter(value)

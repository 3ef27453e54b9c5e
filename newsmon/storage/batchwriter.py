"""Many small writes, few transactions: the crawl's stores share commits.

Every checked page ends in a short write (a check row, maybe a version). One
transaction per page makes the commit and session set-up the crawl's main CPU
cost; this writer gathers what arrives while the database thread is busy and
runs it in one transaction. If that transaction fails, each piece of work is
retried in its own, so one bad row still costs only its own item.

A writer is also the one way work leaves the event loop for the database: on the
writer's own thread, so the loop never waits on the database and this process's
writes never wait on each other. A database has two writers (`writer_for`): the
crawl's, batched and kept busy while the crawl runs, and the timed jobs', so that a
sweep or a checkpoint neither queues behind the crawl's writes nor holds them up.
It is here too that an error which means no write can succeed is recognised, logged
once and told to whoever must stop (DatabaseUnwritable).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Engine

from newsmon.core.runtime import process_runtime
from newsmon.storage.db import (
    DatabaseUnwritable,
    masked_url,
    shared_engine,
    transaction,
    unwritable_reason,
)

T = TypeVar("T")
logger = logging.getLogger(__name__)
CRAWL = "crawl"  # the crawl's writes, claims and roll call
JOBS = "jobs"  # the timed jobs of `newsmon run`: sweeps, checkpoints, notifications

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


Listener = Callable[[str], object]


class BatchWriter:
    """Runs `work(session, **kwargs)` calls on one database thread, batched into
    transactions; each caller awaits its own result or exception."""

    def __init__(self, engine: Engine, executor: Executor | None = None) -> None:
        self.engine = engine
        self.executor = executor or ThreadPoolExecutor(1, thread_name_prefix="newsmon-db")
        self._pending: list[_Job] = []
        self._lock = threading.Lock()
        self._scheduled = False
        self._listeners: list[Listener] = []
        self.unwritable: str | None = None  # why no write can succeed, once seen

    async def run(self, work: Callable[..., Any], /, *, alone: bool = False, **kwargs: Any) -> Any:
        """`alone`: a write big enough to deserve its own short transaction (a chunk of
        feed entries), so batching never makes one transaction hold the lock for long.

        Raises:
            DatabaseUnwritable: no write can succeed; the listeners were told.
        """
        loop = asyncio.get_running_loop()
        job = _Job(work, kwargs, loop.create_future(), alone)
        with self._lock:
            self._pending.append(job)
            schedule = not self._scheduled
            self._scheduled = True
        if schedule:
            loop.run_in_executor(self.executor, self._drain, loop)
        try:
            return await job.future
        except Exception as exc:
            reason = unwritable_reason(exc)
            if reason is None:
                raise
            self._cannot_write(reason, exc)
            raise DatabaseUnwritable(reason) from exc

    async def call(self, work: Callable[..., T], /, *args: Any) -> T:
        """`work(*args)` on this writer's thread, in turn with its transactions, for work
        that opens its own short transactions (a sweep of many articles).

        Raises:
            DatabaseUnwritable: no write can succeed; the listeners were told.
        """
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self.executor, partial(work, *args)
            )
        except Exception as exc:
            reason = unwritable_reason(exc)
            if reason is None:
                raise
            self._cannot_write(reason, exc)
            raise DatabaseUnwritable(reason) from exc

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(reason)` when no write can succeed; returns what stops that."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _cannot_write(self, reason: str, exc: BaseException) -> None:
        """The one handler of an unwritable database: one log line, then the listeners."""
        if self.unwritable is None:
            self.unwritable = reason
            detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            logger.error("the database cannot be written (%s): %s", reason, detail[:300])
        for listener in list(self._listeners):
            listener(reason)

    def close(self) -> None:
        """Finish what was handed over, then end the thread."""
        self.executor.shutdown(wait=True)

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
                    result = job.work(session, **job.kwargs)
            except Exception as exc:  # the work's, or its COMMIT's (a full disk)
                settled.append((job, exc, True))
            else:  # only once committed is it stored
                settled.append((job, result, False))
        return settled


def _settle(future: asyncio.Future[Any], setter: Callable[[Any], None], value: Any) -> None:
    if not future.done():
        setter(value)


_writers_lock = threading.Lock()
_writers: dict[tuple[str, str], BatchWriter] = {}


def writer_for(url: str, lane: str = CRAWL) -> BatchWriter:
    """The process's writer for the database at `url` on `lane` (CRAWL or JOBS), each on
    a thread of its own; the process's Runtime closes it at exit, before the engine."""
    with _writers_lock:
        writer = _writers.get((url, lane))
        if writer is None:
            engine = shared_engine(url)
            writer = _writers[(url, lane)] = BatchWriter(engine)
            name = f"database writer ({lane}) {masked_url(url)}"
            process_runtime().hold(name, partial(_close_writer, url, lane))
        return writer


def _close_writer(url: str, lane: str) -> None:
    with _writers_lock:
        writer = _writers.pop((url, lane), None)
    if writer is not None:
        writer.close()


async def in_transaction(
    url: str, work: Callable[..., T], /, lane: str = CRAWL, **kwargs: Any
) -> T:
    """`work(session, **kwargs)` in a transaction of its own on `lane`'s writer thread."""
    result: T = await writer_for(url, lane).run(work, alone=True, **kwargs)
    return result

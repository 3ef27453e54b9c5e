"""The process pool that runs extraction off the crawl's event loop, one per process.

Extraction is pure CPU (about 20 ms a page); in the loop's thread it would stall
every download, and in a thread it would still hold the GIL. A new version's diff and
summary (newsmon.record.changes) run in the same pool, for the same reasons. Worker processes
are spawned, not forked: the parent runs a reactor thread, and fork copies locks.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from newsmon.extract.page import Extracted, extract
from newsmon.extract.rules import ExtractRules

T = TypeVar("T")
_lock = threading.Lock()
_pools: dict[int, ProcessPoolExecutor] = {}


def _die_with_parent(parent: int, every: float = 0.5) -> None:
    """Worker start-up: exit as soon as the parent is gone, even after its kill -9.

    A parent-death signal (prctl) would fire when the *thread* that spawned the worker
    exits, and the pool spawns from whichever thread submits; polling the parent pid is
    portable and reacts within a second. When the workers are gone, multiprocessing's
    resource tracker sees its pipe close and exits too.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(0)

    threading.Thread(target=watch, name="newsmon-orphan-watch", daemon=True).start()


def _pool(workers: int) -> ProcessPoolExecutor:
    with _lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_die_with_parent,
                initargs=(os.getpid(),),
            )
            _pools[workers] = pool
        return pool


def _discard(workers: int, pool: ProcessPoolExecutor) -> None:
    with _lock:
        if _pools.get(workers) is pool:
            del _pools[workers]
    pool.shutdown(wait=False, cancel_futures=True)


async def extract_off_loop(
    page: bytes | str,
    url: str | None,
    *,
    workers: int,
    encoding: str | None = None,
    rules: ExtractRules | None = None,
) -> Extracted:
    """Extract in the pool; a crashed worker (a pathological page) costs one retry.

    Pages travel as the bytes that were fetched, with the encoding Scrapy decoded them
    with: no re-encoded copy, and the worker parses exactly what the site sent. The
    source's rules travel with the page (a few selectors: nothing to cache in a worker).
    """
    work = functools.partial(extract, page, url, encoding=encoding, rules=rules)
    return await in_worker(work, workers=workers)


async def in_worker(work: Callable[[], T], *, workers: int) -> T:
    """`work()` in the pool (a picklable callable of a module function); a crashed worker
    costs one retry."""
    loop = asyncio.get_running_loop()
    for attempt in (1, 2):
        pool = _pool(workers)
        try:
            return await loop.run_in_executor(pool, work)
        except BrokenProcessPool:
            _discard(workers, pool)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def shutdown_pools() -> None:
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)

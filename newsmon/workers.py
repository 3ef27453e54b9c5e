"""The process pool that runs extraction off the crawl's event loop, one per process.

Extraction is pure CPU (about 20 ms a page); in the loop's thread it would stall
every download, and in a thread it would still hold the GIL. Worker processes
are spawned, not forked: the parent runs a reactor thread, and fork copies locks.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from newsmon.extract import Extracted, extract

_lock = threading.Lock()
_pools: dict[int, ProcessPoolExecutor] = {}


def _pool(workers: int) -> ProcessPoolExecutor:
    with _lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
            _pools[workers] = pool
        return pool


def _discard(workers: int, pool: ProcessPoolExecutor) -> None:
    with _lock:
        if _pools.get(workers) is pool:
            del _pools[workers]
    pool.shutdown(wait=False, cancel_futures=True)


async def extract_off_loop(html: str, url: str | None, *, workers: int) -> Extracted:
    """Extract in the pool; a crashed worker (a pathological page) costs one retry."""
    loop = asyncio.get_running_loop()
    for attempt in (1, 2):
        pool = _pool(workers)
        try:
            return await loop.run_in_executor(pool, extract, html, url)
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

"""The process pool that runs extraction off the crawl's event loop, with a budget per page.

Extraction is pure CPU (about 20 ms a page); in the loop's thread it would stall
every download, and in a thread it would still hold the GIL. A new version's diff and
summary (newsmon.record.changes) run in the same pool, for the same reasons. Worker processes
are spawned, not forked: the parent runs a reactor thread, and fork copies locks.

A hostile or broken page can make extraction quadratic (tens of thousands of
paragraphs, a rule of nested `:has()`), so each page gets a time budget and each
worker an address-space budget. The pool is pebble's: a page over its time is
stopped by killing its worker, which the pool replaces, while the other workers
go on; a worker that runs out of memory exits and is replaced the same way. The
page's check then fails naming the limit, and is backed off like any failure.
"""

from __future__ import annotations

import asyncio
import os
import resource
import threading
import time
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from lxml.etree import LxmlError
from pebble import ProcessExpired, ProcessPool

from newsmon.config.settings import Config
from newsmon.core.runtime import process_runtime
from newsmon.extract.fastread import PageRead, read_page
from newsmon.extract.page import Extracted, extract
from newsmon.extract.rules import ExtractRules, RuleMiss
from newsmon.extract.storyprint import StoryPrint

# A worker that ran out of memory exits with this code, so the parent can say so.
_OUT_OF_MEMORY_EXIT = 86

T = TypeVar("T")
_lock = threading.Lock()
_pools: dict[Budget, ProcessPool] = {}


@dataclass(frozen=True)
class Budget:
    """How many workers, and what one page may cost in one of them."""

    workers: int
    seconds: float = 20.0
    memory_mb: int = 1024


def budget_of(config: Config) -> Budget:
    """The budget the settings give: one pool serves extraction and change measuring."""
    return Budget(
        workers=config.workers(),
        seconds=config.extract_timeout,
        memory_mb=config.extract_memory_mb,
    )


class ExtractionLimit(RuntimeError):
    """A page's extraction exceeded its budget; the message names the limit."""


def _die_with_parent(parent: int, every: float = 0.5) -> None:
    """Exit as soon as the parent is gone, even after its kill -9.

    A parent-death signal (prctl) would fire when the *thread* that spawned the worker
    exits, and the pool spawns from its own threads; polling the parent pid is
    portable and reacts within a second. When the workers are gone, multiprocessing's
    resource tracker sees its pipe close and exits too.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(0)

    threading.Thread(target=watch, name="newsmon-orphan-watch", daemon=True).start()


def _start_worker(parent: int, memory_mb: int) -> None:
    """Worker start-up: watch the parent, and cap the address space (RLIMIT_AS).

    The cap is on the whole process (interpreter and libraries included), so one
    page cannot take the machine's memory: past it, allocations fail (MemoryError,
    or libxml2 giving up on the document) instead of the kernel's OOM killer
    choosing a victim, perhaps the crawler itself.
    """
    _die_with_parent(parent)
    limit = memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _near_memory_limit(share: float = 0.9) -> bool:
    """Whether this process's peak address space came near its RLIMIT_AS (Linux's VmPeak).

    Out of memory, libxml2 does not always say so: its XPath fails as "unknown error".
    """
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    if limit == resource.RLIM_INFINITY:
        return False
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            peak = next((line.split()[1] for line in status if line.startswith("VmPeak:")), None)
    except OSError:
        return False
    return peak is not None and int(peak) * 1024 >= limit * share


def _extract_in_worker(
    page: bytes | str, url: str | None, encoding: str | None, rules: ExtractRules | None
) -> Extracted:
    """Runs in a worker: extraction, and an exit when memory ran out."""
    return _guarded(lambda: extract(page, url, encoding=encoding, rules=rules))


def _read_in_worker(
    page: bytes | str,
    url: str | None,
    encoding: str | None,
    rules: ExtractRules | None,
    remembered: StoryPrint | None,
    full: bool = False,
) -> PageRead:
    """Runs in a worker: the remembered story's fingerprint, else a full extraction."""
    return _guarded(
        lambda: read_page(
            page, url, encoding=encoding, rules=rules, remembered=remembered, full=full
        )
    )


def _guarded(work: Callable[[], T]) -> T:
    """`work()`, and an exit when memory ran out.

    After a MemoryError the worker's heap may be fragmented or libxml2 half-failed:
    it leaves, with a code the parent reads, and the pool starts a fresh one. lxml's
    own errors carry a log that cannot cross to the parent: their message does.
    """
    try:
        return work()
    except RuleMiss:
        raise
    except MemoryError:
        os._exit(_OUT_OF_MEMORY_EXIT)
    except Exception as exc:
        if _near_memory_limit():
            os._exit(_OUT_OF_MEMORY_EXIT)
        if isinstance(exc, LxmlError):
            raise RuntimeError(f"{type(exc).__name__}: {exc}") from None
        raise


def _pool(budget: Budget) -> ProcessPool:
    import multiprocessing

    with _lock:
        pool = _pools.get(budget)
        if pool is None or not pool.active:
            pool = ProcessPool(
                max_workers=budget.workers,
                initializer=_start_worker,
                initargs=(os.getpid(), budget.memory_mb),
                context=multiprocessing.get_context("spawn"),
            )
            _pools[budget] = pool
            process_runtime().hold("extraction worker pools", shutdown_pools)
        return pool


def _ready() -> None:
    """A worker's first task: by now it has started and imported the extractor."""


def warm(budget: Budget) -> None:
    """Start the extraction workers now rather than at the first page: spawning them and
    importing the extractor takes seconds, which a crawl's first pages would wait out."""
    pool = _pool(budget)
    for _ in range(budget.workers):
        pool.schedule(_ready)


def _discard(budget: Budget, pool: ProcessPool) -> None:
    with _lock:
        if _pools.get(budget) is pool:
            del _pools[budget]
    pool.stop()


def _limit_message(budget: Budget, error: BaseException, what: str) -> str | None:
    """What a budget's breach is called on the page's check; None when it was no breach."""
    if isinstance(error, FutureTimeout):
        return f"{what} took longer than {budget.seconds:g} s"
    if isinstance(error, ProcessExpired) and error.exitcode == _OUT_OF_MEMORY_EXIT:
        return f"{what} needed more than {budget.memory_mb} MB of memory"
    return None


async def extract_off_loop(
    page: bytes | str,
    url: str | None,
    *,
    budget: Budget,
    encoding: str | None = None,
    rules: ExtractRules | None = None,
) -> Extracted:
    """Extract in the pool within `budget`; a worker that crashed costs one retry.

    Pages travel as the bytes that were fetched, with the encoding Scrapy decoded them
    with: no re-encoded copy, and the worker parses exactly what the site sent. The
    source's rules travel with the page, so they run under the same budget.

    Raises:
        ExtractionLimit: the page took longer than its time or more than its memory.
    """
    return await in_worker(
        _extract_in_worker, page, url, encoding, rules, budget=budget, what="extraction"
    )


async def read_off_loop(
    page: bytes | str,
    url: str | None,
    *,
    budget: Budget,
    encoding: str | None = None,
    rules: ExtractRules | None = None,
    remembered: StoryPrint | None = None,
    full: bool = False,
) -> PageRead:
    """Like `extract_off_loop`, trying the `remembered` story's fingerprint first
    (newsmon.extract.fastread); a full extraction also locates the story anew. `full`:
    extract in full anyway (the safety net), checking the remembered region meanwhile.

    Raises:
        ExtractionLimit: the page took longer than its time or more than its memory.
    """
    return await in_worker(
        _read_in_worker,
        page,
        url,
        encoding,
        rules,
        remembered,
        full,
        budget=budget,
        what="extraction",
    )


async def in_worker(
    work: Callable[..., T], *args: Any, budget: Budget, what: str = "the work"
) -> T:
    """`work(*args)` (a module function and picklable arguments) in the pool, under the
    budget: a worker that crashed costs one retry; a breach raises ExtractionLimit."""
    for attempt in (1, 2):
        pool = _pool(budget)
        future = pool.schedule(work, args=args, timeout=budget.seconds)
        try:
            return await asyncio.wrap_future(future)
        except (FutureTimeout, ProcessExpired, BrokenProcessPool) as exc:
            message = _limit_message(budget, exc, what)
            if message is not None:
                raise ExtractionLimit(message) from None
            if isinstance(exc, BrokenProcessPool):  # workers that cannot start: a new pool
                _discard(budget, pool)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def shutdown_pools() -> None:
    """Stop every worker (a page still being extracted is abandoned) and wait for them."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.stop()
        pool.join()

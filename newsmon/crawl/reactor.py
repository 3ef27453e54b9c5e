"""The one Twisted reactor of a newsmon process, run on an asyncio loop in its own thread.

Scrapy's reactor cannot be restarted, so a process starts it once and every crawl,
scheduler job and web request of `newsmon run` shares its asyncio loop. Running it
in a background thread lets the CLI's main thread wait for signals and lets tests
drive real crawls from ordinary synchronous test functions.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from newsmon.core.runtime import process_runtime

T = TypeVar("T")

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


class ReactorThread:
    """Owns the process's asyncio reactor and runs coroutines on it from other threads."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("the reactor thread has not been started")
        return self._loop

    def start(self) -> ReactorThread:
        """Install the asyncio reactor (once per process) and run it in a daemon thread."""
        with self._lock:
            if self._thread is not None:
                return self
            from scrapy.utils.reactor import install_reactor, is_reactor_installed

            if not is_reactor_installed():
                install_reactor(ASYNCIO_REACTOR)
            from twisted.internet import reactor

            # Twisted types `reactor` by its interfaces; the asyncio reactor adds its loop.
            self._loop = reactor._asyncioEventloop  # type: ignore[attr-defined]
            started = threading.Event()
            reactor.callWhenRunning(started.set)
            self._thread = threading.Thread(
                target=reactor.run,
                kwargs={"installSignalHandlers": False},
                name="newsmon-reactor",
                daemon=True,
            )
            self._thread.start()
            started.wait(timeout=30)
            process_runtime().hold("reactor", self.stop)
            return self

    def run(self, make_coro: Callable[[], Awaitable[T]], timeout: float | None = None) -> T:
        """Run `make_coro()` on the reactor's loop and block until it returns."""

        async def runner() -> Any:
            return await make_coro()

        future = asyncio.run_coroutine_threadsafe(runner(), self.loop)
        return future.result(timeout)

    def stop(self, timeout: float = 10) -> None:
        """Stop the reactor and wait for its thread; the process cannot start it again."""
        if self._thread is None:
            return
        from twisted.internet import reactor

        if reactor.running:
            # Twisted types `reactor` without IReactorFromThreads, which every reactor provides.
            reactor.callFromThread(reactor.stop)  # type: ignore[attr-defined]
        self._thread.join(timeout)


_process_reactor = ReactorThread()


def process_reactor() -> ReactorThread:
    """The process-wide reactor thread, started on first use; the process's Runtime stops
    it at exit, after the pools and writers opened since."""
    return _process_reactor.start()

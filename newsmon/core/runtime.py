"""The one owner of a process's resources: whatever is opened is closed once, newest first.

Database engines, the database writers' threads, the extraction worker pools and the
reactor are opened where they are first needed, in whichever stage needs them. Each
is handed to the process's Runtime as it opens; `newsmon run`, `crawl` and `serve`
close the Runtime at exit, which closes them in the reverse order of their opening:
the pools and writers before the reactor and engines they lean on. It lives in core
so that every stage can hand it what it opens without reaching up the floor plan.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType

logger = logging.getLogger(__name__)


class Runtime:
    """The resources a process holds open, each with the call that closes it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, Callable[[], None]] = {}  # in the order they were opened

    def hold(self, name: str, close: Callable[[], None]) -> None:
        """Own the resource `name` until `close()` or `forget(name)`; a name already
        held keeps its first place and closer."""
        with self._lock:
            self._held.setdefault(name, close)

    def forget(self, name: str) -> None:
        """The resource was closed by its user (a test's dropped database): not again."""
        with self._lock:
            self._held.pop(name, None)

    def held(self) -> list[str]:
        """What is open, oldest first."""
        with self._lock:
            return list(self._held)

    def close(self) -> None:
        """Close everything, newest first. A resource that fails to close is logged and
        the rest are closed all the same: an exit must not leave threads behind."""
        while True:
            with self._lock:
                if not self._held:
                    return
                name = next(reversed(self._held))
                close = self._held.pop(name)
            try:
                close()
            except Exception:
                logger.exception("could not close %s", name)
            else:
                logger.debug("closed %s", name)

    def __enter__(self) -> Runtime:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


_lock = threading.Lock()
_process: Runtime | None = None


def process_runtime() -> Runtime:
    """This process's Runtime, made on first use (not at import)."""
    global _process
    with _lock:
        if _process is None:
            _process = Runtime()
        return _process

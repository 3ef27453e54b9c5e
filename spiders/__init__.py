"""newsmon's spiders: feed polling and article checks. They fetch; pipelines decide and store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from newsmon.clock import Clock, SystemClock
from newsmon.guardconnect import Refused

HANDLED_STATUSES = [304, *range(400, 600)]


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def latency_ms(meta: dict[str, Any]) -> int | None:
    latency = meta.get("download_latency")
    return int(latency * 1000) if latency is not None else None


def describe_failure(failure: Failure) -> str:
    """One line a person can act on, for any way a request can fail."""
    exc = failure.value
    name = type(exc).__name__
    text = str(exc).strip() or name
    hints = {
        "DNSLookupError": "unreachable: host name could not be resolved",
        "CannotResolveHostError": "unreachable: host name could not be resolved",
        "ConnectionRefusedError": "unreachable: connection refused",
        "DownloadConnectionRefusedError": "unreachable: connection refused",
        "TCPTimedOutError": "unreachable: connection timed out",
        "TimeoutError": "timed out",
        "DownloadTimeoutError": "timed out",
        "ResponseNeverReceived": "connection closed before a response",
        "ConnectionLost": "connection lost mid-response",
        "CancelledError": "download cancelled (page larger than the size cap?)",
        "DownloadCancelledError": "download cancelled (page larger than the size cap)",
    }
    if isinstance(exc, Refused):  # the SSRF guard's or URL check's reason, as it is
        return text[:300]
    if name in hints:
        return f"{hints[name]} ({text[:200]})"
    if name == "IgnoreRequest":
        return f"request dropped: {text[:200]}"
    return f"{name}: {text[:300]}"


class TaskSpider(scrapy.Spider):
    """Fetches one URL per task it is handed, conditionally, and reports every outcome.

    Tasks come from the database (due feeds or articles); `dont_filter` because a
    recheck is the same URL again by design.
    """

    handle_httpstatus_list = HANDLED_STATUSES

    def __init__(
        self, tasks: Iterable[Any] = (), clock: Clock | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.tasks = list(tasks)
        self.clock = clock or SystemClock()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for task in self.tasks:
            yield scrapy.Request(
                task.url,
                headers=conditional_headers(task.etag, task.last_modified),
                callback=self.parse_task,
                errback=self.failed,
                dont_filter=True,
                meta={"task": task},
            )

    def parse_task(self, response: Response) -> Any:
        raise NotImplementedError

    def failed(self, failure: Failure) -> Any:
        raise NotImplementedError

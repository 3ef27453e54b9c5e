"""newsmon's spider and what it shares: it fetches; pipelines decide and store."""

from __future__ import annotations

from typing import Any

from scrapy.http import Response
from twisted.python.failure import Failure

from newsmon.guard.connect import Refused

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

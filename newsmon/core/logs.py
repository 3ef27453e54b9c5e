"""Logging for the CLI: one line per event, as text or JSON; Scrapy's chatter kept to warnings.

JSON lines (`log_format = "json"`) are for log collectors: time, level, logger, message,
and `url` when the call carried one (`logger.info(..., extra={"url": url})`). Both forms
strip terminal escape sequences, since messages quote titles, URLs and errors from the web.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

from newsmon.core.terminal import safe, safe_json

QUIET = (
    "scrapy",
    "alembic",
    "twisted",
    "apscheduler",
    "uvicorn.access",
    "py.warnings",
    "trafilatura",
    "htmldate",
    "courlan",
    "filelock",
    "asyncio",
)
# These repeat, with a traceback, what newsmon itself reports in one line per feed or page.
SILENT = ("scrapy.downloadermiddlewares.robotstxt", "scrapy.downloadermiddlewares.retry")


class TextFormatter(logging.Formatter):
    """`2026-03-02 09:00:00 INFO newsmon.crawl.service: message`, control characters removed."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        return safe(super().format(record), multiline=True)


class JsonFormatter(logging.Formatter):
    """One JSON object a line; a traceback goes into `exception`, never onto its own lines."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        url = record_url(record)
        if url is not None:
            data["url"] = url
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return safe_json(data, default=str)


def record_url(record: logging.LogRecord) -> str | None:
    """The URL a log call is about: `extra={"url": ...}`, else its first argument when that
    is an http(s) URL (as in `logger.warning("feed %s: %s", url, error)`)."""
    url = getattr(record, "url", None)
    if url is None and isinstance(record.args, tuple) and record.args:
        first = record.args[0]
        url = (
            first if isinstance(first, str) and first.startswith(("http://", "https://")) else None
        )
    return None if url is None else str(url)


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    for name in SILENT:
        logging.getLogger(name).setLevel(logging.CRITICAL)

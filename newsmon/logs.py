"""Logging for the CLI: one line per event, Scrapy's chatter kept to warnings."""

from __future__ import annotations

import logging
import sys

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


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    for name in SILENT:
        logging.getLogger(name).setLevel(logging.CRITICAL)

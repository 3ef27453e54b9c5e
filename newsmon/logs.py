"""Logging for the CLI: one line per event, Scrapy's chatter kept to warnings."""

from __future__ import annotations

import logging
import sys

QUIET = (
    "scrapy",
    "alembic",
    "twisted",
    "apscheduler.executors",
    "uvicorn.access",
    "py.warnings",
    "trafilatura",
    "htmldate",
    "courlan",
    "filelock",
    "asyncio",
)


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

"""Moved to newsmon.read.changes and newsmon.read.summaries (the read side's one home).

Kept as names only, so code written against `newsmon.web.data` on other branches still
imports; new code imports from newsmon.read.
"""

from newsmon.read.changes import Change, changes, latest_change_marker
from newsmon.read.summaries import (
    SourceSummary,
    Totals,
    source_articles,
    source_summaries,
    totals,
)

__all__ = [
    "Change",
    "SourceSummary",
    "Totals",
    "changes",
    "latest_change_marker",
    "source_articles",
    "source_summaries",
    "totals",
]

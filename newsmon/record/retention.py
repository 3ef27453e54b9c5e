"""Which versions' raw pages may be deleted (thinned): pure rules, no I/O.

A version's text is never thinned: it is the evidence people read and search, and the
ledger's record commits to it. Only raw pages go, and only under a stated rule whose
name is stored on the version, so `newsmon verify` can tell a thinned page from a lost
one. Every rule keeps the raw page of:

- the article's first version and its latest (re-extraction starts from the latest);
- the first and the last version captured in each UTC hour;
- every version whose change is large (words added plus words removed at or above
  `large_change_words`).

The live-page rule applies this to an article with more than `live_versions` versions
captured in the last `window` (a page rewritten on every check). The quota rule applies
the same to every article of a source whose stored bytes exceed its quota.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

LIVE_RULE = "live-page"
QUOTA_RULE = "source-quota"


@dataclass(frozen=True)
class RetentionRule:
    """The thresholds of the thinning rules (settings `live_page_versions`,
    `raw_keep_change_words`)."""

    live_versions: int = 12
    large_change_words: int = 200
    window: timedelta = timedelta(days=1)

    def describe(self, name: str) -> str:
        """The rule as stored on each thinned version (at most 200 characters)."""
        when = (
            f"more than {self.live_versions} versions a day"
            if name == LIVE_RULE
            else "source over its quota"
        )
        return (
            f"{name}: {when}; kept first, latest, first and last of each hour, "
            f"changes of {self.large_change_words}+ words"
        )


@dataclass(frozen=True)
class PageFacts:
    """What the rules need to know of one version whose raw page is still kept."""

    version_id: int
    number: int
    captured_at: datetime
    words_changed: int


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def kept(versions: Sequence[PageFacts], *, rule: RetentionRule, latest: int) -> set[int]:
    """Ids of the versions whose raw page every rule keeps. `latest`: the article's highest
    version number (its latest version may already have no page to keep)."""
    keep = {
        v.version_id
        for v in versions
        if v.number in (0, latest) or v.words_changed >= rule.large_change_words
    }
    first: dict[datetime, PageFacts] = {}
    last: dict[datetime, PageFacts] = {}
    for v in versions:
        hour = _hour(v.captured_at)
        if hour not in first or v.number < first[hour].number:
            first[hour] = v
        if hour not in last or v.number > last[hour].number:
            last[hour] = v
    keep.update(v.version_id for v in (*first.values(), *last.values()))
    return keep


def to_thin(versions: Sequence[PageFacts], *, rule: RetentionRule, latest: int) -> list[int]:
    """Ids of the versions whose raw page the rule lets go, oldest first."""
    keep = kept(versions, rule=rule, latest=latest)
    return [
        v.version_id for v in sorted(versions, key=lambda v: v.number) if v.version_id not in keep
    ]

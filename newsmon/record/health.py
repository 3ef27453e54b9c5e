"""Extraction health per source: rolling figures, and whether the source has degraded.

A redesign can break extraction without failing a fetch: pages come back 200 and
read as empty, or as a stub of the story. Stored as they came, those would be edits of
every article, and subscribers would be told. So each source's recent checks and
versions are compared with its own history (`assess`, pure), and a source that
degraded sharply is marked (`Source.degraded_since`), told as a `degraded` source
event, shown on /healthz, /metrics, `sources list` and the Sources page; the versions
it captures meanwhile are held back from notifications (newsmon.notify.held) until it
recovers or an operator releases them.

The figures also count the share of recent checks whose extraction fell back from
the precision pass (to the recall pass, or to the page's structured data): shown
beside the others, not an alarm by itself, since some sites need the fallback on every
page; a share that jumps says the site's markup changed under the extractor.

Thresholds, and why: the last RECENT (20) checks of the source, so one bad page among
many does not trip it, and a source checked every few minutes trips within the hour;
degraded when at least MIN_CHECKS (5) of them were read and half or more failed to
extract (empty, crashed, a rule that matches nothing); or when the median length of
its last RECENT versions fell under 40 % of the median of the HISTORY (100) before
them (truncated stories), with at least 5 and 10 versions to compare. It recovers
with hysteresis (under a fifth failing and the median back over 70 %), so a source on
the edge does not flap between alarm and all-clear.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from newsmon.core.outcomes import CheckOutcome
from newsmon.storage.models import Article, Check, Source, SourceEvent, Version

RECENT = 20
HISTORY = 100
MIN_CHECKS = 5
FAILING, FAILING_CLEAR = 0.5, 0.2
SHRUNK, SHRUNK_CLEAR = 0.4, 0.7
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HealthFigures:
    """One source's rolling extraction figures."""

    checks: int  # of the last RECENT checks that read a page (not 304s)
    failed: int  # of those, empty or failed extractions
    recent_median: float | None  # median text length of its last RECENT versions
    history_median: float | None  # and of the HISTORY versions before them
    since: datetime | None = None  # the oldest failing check or recent version counted
    fell_back: int = 0  # of the checks, those whose extraction fell back (recall, structured)

    @property
    def failed_share(self) -> float:
        return self.failed / self.checks if self.checks else 0.0

    @property
    def fallback_share(self) -> float:
        return self.fell_back / self.checks if self.checks else 0.0

    @property
    def length_ratio(self) -> float | None:
        if not self.recent_median or not self.history_median:
            return None
        return self.recent_median / self.history_median


def assess(figures: HealthFigures, *, degraded: bool) -> str | None:
    """Why the source is degraded now, or None when it is healthy (hysteresis: a degraded
    source must be clearly well again before it is cleared)."""
    failing = FAILING_CLEAR if degraded else FAILING
    shrunk = SHRUNK_CLEAR if degraded else SHRUNK
    reasons = []
    if figures.checks >= MIN_CHECKS and figures.failed_share >= failing:
        reasons.append(
            f"{figures.failed} of its last {figures.checks} checks extracted no text or failed"
        )
    ratio = figures.length_ratio
    if ratio is not None and ratio < shrunk:
        reasons.append(f"its stories' median length fell to {ratio:.0%} of what it was")
    return "; ".join(reasons) or None


_EXTRACTION_FAILED = or_(
    Check.detail.startswith("empty extraction"),
    Check.detail.startswith("extraction failed"),
    Check.detail.contains("matched nothing"),
)


def _recent_checks(session: Session, source_id: int) -> list[tuple[datetime, bool, bool]]:
    """(at, failed, fell back) of the source's last RECENT checks that read a page."""
    rows = session.execute(
        select(
            Check.at,
            (Check.outcome == CheckOutcome.ERROR) & _EXTRACTION_FAILED,
            Check.fallback.is_not(None),
        )
        .join(Article, Article.id == Check.article_id)
        .where(Article.source_id == source_id, Check.outcome != CheckOutcome.NOT_MODIFIED)
        .order_by(Check.at.desc(), Check.id.desc())
        .limit(RECENT)
    )
    return [(at, bool(failed), bool(fell_back)) for at, failed, fell_back in rows]


def check_figures(session: Session) -> dict[str, HealthFigures]:
    """slug -> the recent checks' figures (no lengths) of every source, for display: how
    many read a page, failed to extract, and fell back from the precision pass."""
    figures = {}
    for source_id, slug in session.execute(select(Source.id, Source.slug).order_by(Source.slug)):
        checks = _recent_checks(session, source_id)
        figures[slug] = HealthFigures(
            checks=len(checks),
            failed=sum(failed for _, failed, _ in checks),
            fell_back=sum(fell_back for _, _, fell_back in checks),
            recent_median=None,
            history_median=None,
        )
    return figures


def source_figures(session: Session, source_id: int) -> HealthFigures:
    """The source's rolling figures, from its checks and versions (two small queries)."""
    checks = _recent_checks(session, source_id)
    failed_at = [at for at, failed, _ in checks if failed]
    lengths = session.execute(
        select(Version.captured_at, func.length(Version.text))
        .join(Article, Article.id == Version.article_id)
        .where(Article.source_id == source_id)
        .order_by(Version.captured_at.desc(), Version.id.desc())
        .limit(RECENT + HISTORY)
    ).all()
    recent, history = lengths[:RECENT], lengths[RECENT:]
    enough = len(recent) >= MIN_CHECKS and len(history) >= 2 * MIN_CHECKS
    since = min(failed_at, default=None)
    return HealthFigures(
        checks=len(checks),
        failed=len(failed_at),
        fell_back=sum(fell_back for _, _, fell_back in checks),
        recent_median=statistics.median(n for _, n in recent) if enough else None,
        history_median=statistics.median(n for _, n in history) if enough else None,
        since=since or (recent[-1][0] if recent else None),
    )


@dataclass(frozen=True)
class HealthChange:
    """A source that degraded or recovered at this watch."""

    source_id: int
    slug: str
    kind: str  # "degraded" | "recovered"
    since: datetime  # when its trouble began: its held versions are those captured since
    reason: str


def watch_health(session: Session, *, now: datetime) -> list[HealthChange]:
    """Assess every enabled source; mark and tell the ones that degraded or recovered."""
    changes = []
    for source in session.scalars(select(Source).where(Source.enabled.is_(True))):
        degraded = source.degraded_since is not None
        figures = source_figures(session, source.id)
        reason = assess(figures, degraded=degraded)
        if reason and not degraded:
            source.degraded_since = min(figures.since or now, now)
            source.degraded_reason = reason
            changes.append(
                HealthChange(source.id, source.slug, "degraded", source.degraded_since, reason)
            )
            logger.warning("source %s: extraction degraded: %s", source.slug, reason)
        elif degraded and reason is None:
            assert source.degraded_since is not None
            changes.append(
                HealthChange(
                    source.id, source.slug, "recovered", source.degraded_since, "recovered"
                )
            )
            source.degraded_since = source.degraded_reason = None
            logger.info("source %s: extraction recovered", source.slug)
        elif degraded and reason:
            source.degraded_reason = reason
    for change in changes:
        session.add(
            SourceEvent(source_id=change.source_id, kind=change.kind, at=now, detail=change.reason)
        )
    return changes


def degraded_sources(session: Session) -> dict[str, str]:
    """slug -> why, for each source whose extraction is degraded now."""
    rows = session.execute(
        select(Source.slug, Source.degraded_reason).where(Source.degraded_since.is_not(None))
    )
    return {slug: reason or "degraded" for slug, reason in rows}

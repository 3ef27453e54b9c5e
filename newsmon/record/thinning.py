"""The storage sweep's database work: thin raw pages by the retention rules, watch quotas.

The rules themselves are pure (newsmon.record.retention). Here they are applied one
article per call, so the caller keeps each transaction short. A thinned version keeps
its text and its sealed `raw_sha256`; its raw page reference is cleared and
`raw_thinned_at` / `raw_thinned_by` say when and why; a shared page row is deleted once
no version names it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import cast, delete, exists, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.types import LargeBinary

from newsmon.record.retention import LIVE_RULE, QUOTA_RULE, PageFacts, RetentionRule, to_thin
from newsmon.storage.db import transaction
from newsmon.storage.models import Article, RawPage, Source, SourceEvent, Version
from newsmon.storage.rawpages import delete_orphans

logger = logging.getLogger(__name__)

MB = 1024 * 1024


def live_articles(session: Session, *, rule: RetentionRule, now: datetime) -> list[int]:
    """Articles with more than `rule.live_versions` versions captured within the window."""
    return list(
        session.scalars(
            select(Version.article_id)
            .where(Version.captured_at > now - rule.window)
            .group_by(Version.article_id)
            .having(func.count() > rule.live_versions)
            .order_by(Version.article_id)
        )
    )


def _facts(session: Session, article_id: int) -> tuple[list[PageFacts], int]:
    """The article's sealed versions that still hold a raw page, and its latest number."""
    rows = session.execute(
        select(
            Version.id,
            Version.number,
            Version.captured_at,
            Version.words_added + Version.words_removed,
        ).where(
            Version.article_id == article_id,
            Version.raw_thinned_at.is_(None),
            Version.raw_sha256.is_not(None),  # unsealed: thinning would lose its digest
            (Version.raw_page.is_not(None)) | (Version.raw_html.is_not(None)),
        )
    ).all()
    latest = session.scalar(
        select(func.max(Version.number)).where(Version.article_id == article_id)
    )
    return [PageFacts(*row) for row in rows], latest if latest is not None else -1


def thin_article(
    session: Session, article_id: int, *, rule: RetentionRule, name: str, now: datetime
) -> int:
    """Delete the raw pages `rule` lets go for one article, recording it; how many versions."""
    facts, latest = _facts(session, article_id)
    ids = to_thin(facts, rule=rule, latest=latest)
    if not ids:
        return 0
    pages = set(session.scalars(select(Version.raw_page).where(Version.id.in_(ids))))
    session.execute(
        update(Version)
        .where(Version.id.in_(ids))
        .values(
            raw_html=None, raw_page=None, raw_thinned_at=now, raw_thinned_by=rule.describe(name)
        )
    )
    pages.discard(None)
    if pages:
        if session.get_bind().dialect.name == "postgresql":  # see rawpages.store_raw
            session.execute(
                select(RawPage.sha256).where(RawPage.sha256.in_(pages)).with_for_update()
            )
        named = exists().where(Version.raw_page == RawPage.sha256)
        session.execute(delete(RawPage).where(RawPage.sha256.in_(pages), ~named))
    return len(ids)


def _octets(session: Session, column: object) -> object:
    """Bytes of a text column, not characters, on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.octet_length(column)
    return func.length(cast(column, LargeBinary))


def stored_bytes(session: Session, source_id: int | None = None) -> dict[int, int]:
    """Bytes each source holds: its versions' text, their own raw copies (before 0011),
    and each shared raw page its versions name (once per source)."""
    text = (
        select(
            Article.source_id,
            func.sum(
                _octets(session, Version.text) + func.coalesce(func.length(Version.raw_html), 0)
            ),
        )
        .join(Version, Version.article_id == Article.id)
        .group_by(Article.source_id)
    )
    pages = (
        select(Article.source_id.label("source_id"), Version.raw_page.label("sha256"))
        .join(Version, Version.article_id == Article.id)
        .where(Version.raw_page.is_not(None))
        .distinct()
        .subquery()
    )
    raw = (
        select(pages.c.source_id, func.sum(func.length(RawPage.body)))
        .join(RawPage, RawPage.sha256 == pages.c.sha256)
        .group_by(pages.c.source_id)
    )
    if source_id is not None:
        text = text.where(Article.source_id == source_id)
        raw = raw.where(pages.c.source_id == source_id)
    totals: dict[int, int] = {}
    for query in (text, raw):
        for sid, size in session.execute(query).all():
            totals[sid] = totals.get(sid, 0) + int(size or 0)
    return totals


def over_quota(session: Session) -> dict[int, SourceEvent]:
    """Sources whose latest quota event says they are over it, with that event."""
    latest = select(func.max(SourceEvent.id)).group_by(SourceEvent.source_id).scalar_subquery()
    events = session.scalars(
        select(SourceEvent).where(SourceEvent.id.in_(latest), SourceEvent.kind == "over_quota")
    )
    return {event.source_id: event for event in events}


@dataclass(frozen=True)
class QuotaState:
    """One source's stored bytes against its quota after the sweep."""

    source_id: int
    stored: int
    quota: int

    @property
    def over(self) -> bool:
        return self.stored > self.quota


def record_quota(session: Session, state: QuotaState, *, now: datetime) -> SourceEvent | None:
    """An event when a source goes over its quota, or back under it; None when no change."""
    was_over = state.source_id in over_quota(session)
    if state.over == was_over:
        return None
    slug = session.scalar(select(Source.slug).where(Source.id == state.source_id))
    used, quota = state.stored / MB, state.quota / MB
    if state.over:
        kind = "over_quota"
        detail = (
            f"{used:.1f} MB stored, quota {quota:.1f} MB: raw pages thinned by the "
            "source-quota rule; every version's text is still stored"
        )
        logger.warning("source %s is over its storage quota: %s", slug, detail)
    else:
        kind, detail = "under_quota", f"{used:.1f} MB stored, quota {quota:.1f} MB"
        logger.info("source %s is back under its storage quota: %s", slug, detail)
    event = SourceEvent(
        source_id=state.source_id,
        kind=kind,
        at=now,
        stored_bytes=state.stored,
        quota_bytes=state.quota,
        detail=detail,
    )
    session.add(event)
    return event


def source_articles_with_pages(session: Session, source_id: int) -> list[int]:
    """The source's articles that still hold a raw page the rules could thin."""
    return list(
        session.scalars(
            select(Version.article_id)
            .join(Article, Article.id == Version.article_id)
            .where(
                Article.source_id == source_id,
                Version.raw_thinned_at.is_(None),
                (Version.raw_page.is_not(None)) | (Version.raw_html.is_not(None)),
            )
            .group_by(Version.article_id)
            .having(func.count() > 2)
            .order_by(Version.article_id)
        )
    )


@dataclass(frozen=True)
class SweepResult:
    """What one storage sweep did."""

    thinned: int
    over_quota: tuple[int, ...]


def storage_sweep(
    engine: Engine, *, rule: RetentionRule, quota_bytes: int, now: datetime
) -> SweepResult:
    """Thin live pages' raw pages, then each source over `quota_bytes` (0: no quota) by the
    quota rule, recording quota events. One short transaction per article."""
    with transaction(engine) as session:
        live = live_articles(session, rule=rule, now=now)
    thinned = sum(_thin(engine, article_id, rule, LIVE_RULE, now) for article_id in live)
    with transaction(engine) as session:
        orphans = delete_orphans(session, before=now - timedelta(days=1))
    if orphans:
        logger.info("deleted %d raw page(s) no version names (deleted articles)", orphans)
    over: list[int] = []
    if quota_bytes > 0:
        with transaction(engine) as session:
            totals = stored_bytes(session)
            sources = list(session.scalars(select(Source.id)))
        for source_id in sources:
            used = totals.get(source_id, 0)
            if used > quota_bytes:
                with transaction(engine) as session:
                    articles = source_articles_with_pages(session, source_id)
                thinned += sum(_thin(engine, a, rule, QUOTA_RULE, now) for a in articles)
                with transaction(engine) as session:
                    used = stored_bytes(session, source_id).get(source_id, 0)
            with transaction(engine) as session:
                record_quota(session, QuotaState(source_id, used, quota_bytes), now=now)
            if used > quota_bytes:
                over.append(source_id)
    return SweepResult(thinned, tuple(over))


def _thin(engine: Engine, article_id: int, rule: RetentionRule, name: str, now: datetime) -> int:
    with transaction(engine) as session:
        return thin_article(session, article_id, rule=rule, name=name, now=now)

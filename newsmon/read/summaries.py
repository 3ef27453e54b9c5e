"""Sources at a glance: counts by state, recent changes, a source's articles, its lookup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload

from newsmon.storage.models import Article, Feed, Source, Version


@dataclass(frozen=True)
class Totals:
    sources: int
    articles: int


def totals(session: Session) -> Totals:
    """How much is watched and captured: what an empty recent-changes page explains."""
    sources = session.scalar(select(func.count()).select_from(Source)) or 0
    articles = session.scalar(select(func.count()).select_from(Article)) or 0
    return Totals(sources=sources, articles=articles)


@dataclass(frozen=True)
class SourceSummary:
    source: Source
    active: int
    frozen: int
    gone: int
    changes_day: int
    changes_week: int
    feeds: Sequence[Feed]


def source_summaries(session: Session, *, now: datetime) -> list[SourceSummary]:
    counts = {
        row.source_id: row
        for row in session.execute(
            select(
                Article.source_id,
                func.sum(case((Article.status == "active", 1), else_=0)).label("active"),
                func.sum(case((Article.status == "frozen", 1), else_=0)).label("frozen"),
                func.sum(case((Article.status == "gone", 1), else_=0)).label("gone"),
            ).group_by(Article.source_id)
        )
    }
    recent = {
        row.source_id: row
        for row in session.execute(
            select(
                Article.source_id,
                func.sum(case((Version.captured_at >= now - timedelta(days=1), 1), else_=0)).label(
                    "day"
                ),
                func.count().label("week"),
            )
            .join(Article)
            .where(Version.number > 0, Version.captured_at >= now - timedelta(days=7))
            .group_by(Article.source_id)
        )
    }
    out = []
    for source in session.scalars(
        select(Source).options(joinedload(Source.feeds)).order_by(Source.slug)
    ).unique():
        c, r = counts.get(source.id), recent.get(source.id)
        out.append(
            SourceSummary(
                source=source,
                active=c.active if c else 0,
                frozen=c.frozen if c else 0,
                gone=c.gone if c else 0,
                changes_day=r.day if r else 0,
                changes_week=r.week if r else 0,
                feeds=source.feeds,
            )
        )
    return out


def source_articles(
    session: Session, *, slug: str, status: str | None, sort: str, limit: int, offset: int
) -> list[Article]:
    query = select(Article).join(Source).where(Source.slug == slug)
    if status:
        query = query.where(Article.status == status)
    order = (
        (Article.version_count.desc(), Article.id.desc())
        if sort == "most-changed"
        else (Article.last_changed_at.desc().nulls_last(), Article.id.desc())
    )
    return list(session.scalars(query.order_by(*order).limit(limit).offset(offset)))


def source_named(session: Session, slug: str) -> Source | None:
    """The source with this slug, or None (a slug with NUL in it names none)."""
    if "\x00" in slug:
        return None
    return session.scalar(select(Source).where(Source.slug == slug))


def sources_languages(session: Session, *, limit: int = 2) -> Sequence[str | None]:
    """Up to `limit` distinct source languages: one means every source shares it."""
    return session.scalars(select(Source.language).distinct().limit(limit)).all()

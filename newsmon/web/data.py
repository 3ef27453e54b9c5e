"""The web's queries: each one result that pages, JSON and feeds all render."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session, aliased, joinedload

from newsmon.core.outcomes import ArticleStatus
from newsmon.storage.models import Article, Feed, Source, Version


@dataclass(frozen=True)
class Change:
    """One new version of an article: the unit of the recent-changes page and of feeds."""

    version: Version
    article: Article
    source: Source
    old_title: str | None


def changes(
    session: Session,
    *,
    source: str | None = None,
    article_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    where: Sequence[ColumnElement[bool]] = (),
) -> list[Change]:
    """Newest changes first (versions numbered 1 and up), with the headline they replaced."""
    previous = aliased(Version)
    query = (
        select(Version, Article, Source, previous.title)
        .join(Article, Article.id == Version.article_id)
        .join(Source, Source.id == Article.source_id)
        .join(
            previous,
            (previous.article_id == Version.article_id) & (previous.number == Version.number - 1),
        )
        .order_by(Version.captured_at.desc(), Version.id.desc())
        .where(*where)
        .limit(limit)
        .offset(offset)
    )
    if source is not None:
        query = query.where(Source.slug == source)
    if article_id is not None:
        query = query.where(Version.article_id == article_id)
    return [
        Change(version=v, article=a, source=s, old_title=old if old != v.title else None)
        for v, a, s, old in session.execute(query)
    ]


@dataclass(frozen=True)
class Totals:
    sources: int
    articles: int


def totals(session: Session) -> Totals:
    """How much is watched and captured: what an empty recent-changes page explains."""
    sources = session.scalar(select(func.count()).select_from(Source)) or 0
    articles = session.scalar(select(func.count()).select_from(Article)) or 0
    return Totals(sources=sources, articles=articles)


def latest_change_marker(
    session: Session, *, source: str | None = None, article_id: int | None = None
) -> tuple[int, datetime | None]:
    """(newest version id, its capture time): what a feed's ETag and Last-Modified follow."""
    query = select(func.max(Version.id), func.max(Version.captured_at)).join(Article)
    if source is not None:
        query = query.join(Source).where(Source.slug == source)
    if article_id is not None:
        query = query.where(Version.article_id == article_id)
    newest, at = session.execute(query).one()
    return newest or 0, at


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
                func.sum(case((Article.status == ArticleStatus.ACTIVE, 1), else_=0)).label(
                    "active"
                ),
                func.sum(case((Article.status == ArticleStatus.FROZEN, 1), else_=0)).label(
                    "frozen"
                ),
                func.sum(case((Article.status == ArticleStatus.GONE, 1), else_=0)).label("gone"),
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

"""Changes (new versions) newest first: one result that pages, feeds and the API render."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from newsmon.storage.models import Article, Source, Version


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

"""What people ask of the stored versions: one function per question, shared by CLI, web and API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from newsmon.record.store import article_for_url
from newsmon.storage.models import Article, Source, Version


class NotFound(LookupError):
    """The article, version or source asked for does not exist."""


def list_articles(
    session: Session, *, source: str | None = None, status: str | None = None, limit: int = 1000
) -> Sequence[Article]:
    query = select(Article).options(joinedload(Article.source)).join(Source)
    if source:
        query = query.where(Source.slug == source)
    if status:
        query = query.where(Article.status == status)
    query = query.order_by(Article.last_changed_at.desc().nulls_last(), Article.id.desc())
    return session.scalars(query.limit(limit)).all()


def require_article(session: Session, ref: str) -> Article:
    """The article named by its id (as `newsmon articles` and the web show it) or by any
    URL it was seen under; NotFound says which was looked for."""
    ref = ref.strip()
    if ref.isascii() and ref.isdigit():
        article = session.get(Article, int(ref))
        if article is None:
            raise NotFound(f"no article has id {ref} (see `newsmon articles`)")
        return article
    article = article_for_url(session, ref)
    if article is None:
        raise NotFound(f"no article known under {ref}")
    return article


def versions_of(session: Session, article_id: int) -> Sequence[Version]:
    return session.scalars(
        select(Version).where(Version.article_id == article_id).order_by(Version.number)
    ).all()


def version_pair(session: Session, article_id: int, a: int, b: int) -> tuple[Version, Version]:
    """Versions `a` and `b` of one article, for a diff; NotFound names the missing one."""
    return version_of(session, article_id, a), version_of(session, article_id, b)


def version_of(session: Session, article_id: int, number: int) -> Version:
    version = session.scalar(
        select(Version).where(Version.article_id == article_id, Version.number == number)
    )
    if version is None:
        raise NotFound(f"article {article_id} has no version {number}")
    return version


@dataclass(frozen=True)
class ArticleFilter:
    """Which articles a listing wants: one source's, in one state, changed since a time."""

    source: str | None = None
    status: str | None = None
    changed_since: datetime | None = None


def articles_after(
    session: Session, *, after: int, limit: int, only: ArticleFilter = ArticleFilter()
) -> tuple[list[Article], bool]:
    """Up to `limit` articles with ids above `after`, in id order, and whether more follow."""
    query = (
        select(Article)
        .options(joinedload(Article.source))
        .join(Source)
        .where(Article.id > after)
        .order_by(Article.id)
        .limit(limit + 1)
    )
    if only.source:
        query = query.where(Source.slug == only.source)
    if only.status:
        query = query.where(Article.status == only.status)
    if only.changed_since:
        query = query.where(Article.last_changed_at >= only.changed_since)
    rows = list(session.scalars(query))
    return rows[:limit], len(rows) > limit

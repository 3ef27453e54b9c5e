"""What people ask of the stored versions: one function per question, shared by CLI, web and API."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from newsmon.record.store import article_for_url
from newsmon.storage.models import Article, Source, Version


class NotFound(LookupError):
    """The article, version or source asked for does not exist."""


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


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


def article_json(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "url": article.url,
        "source": article.source.slug,
        "title": article.title,
        "status": article.status,
        "version_count": article.version_count,
        "first_seen_at": iso(article.first_seen_at),
        "published_at": iso(article.published_at),
        "last_checked_at": iso(article.last_checked_at),
        "last_changed_at": iso(article.last_changed_at),
        "next_check_at": iso(article.next_check_at),
    }


def version_json(version: Version, *, with_text: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": version.number,
        "captured_at": iso(version.captured_at),
        "content_hash": version.content_hash,
        "title": version.title,
        "byline": version.byline,
        "words_added": version.words_added,
        "words_removed": version.words_removed,
        "extractor": version.extractor,
    }
    if with_text:
        data["text"] = version.text
    return data


def require_article(session: Session, url: str) -> Article:
    article = article_for_url(session, url)
    if article is None:
        raise NotFound(f"no article known under {url}")
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

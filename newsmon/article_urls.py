"""Which article holds a URL: inserts that tolerate a concurrent crawl, owners, aliases.

Two crawls may discover or alias the same URL at the same moment; the unique
constraint decides who wins, and the loser's insert is a no-op rather than an
IntegrityError (which on PostgreSQL would also abort the whole transaction).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from newsmon.identity import Owner
from newsmon.models import Article, ArticleUrl, Version

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def insert_or_ignore(session: Session, model: type[Any], values: dict[str, Any]) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING; the new row's id, or None when a row held its key."""
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS:
        raise NotImplementedError(f"newsmon supports SQLite and PostgreSQL, not {dialect}")
    statement = _INSERTS[dialect](model).values(**values).on_conflict_do_nothing()
    return session.scalar(statement.returning(model.id))


def claim_url(session: Session, url: str, article_id: int) -> int | None:
    """Record `url` as one of the article's URLs unless another holds it; returns the holder."""
    if insert_or_ignore(session, ArticleUrl, {"url": url, "article_id": article_id}) is not None:
        return article_id
    return session.scalar(select(ArticleUrl.article_id).where(ArticleUrl.url == url))


def known_urls(session: Session, urls: list[str]) -> dict[str, int]:
    """The articles already holding any of `urls`, by URL."""
    if not urls:
        return {}
    rows = session.execute(
        select(ArticleUrl.url, ArticleUrl.article_id).where(ArticleUrl.url.in_(urls))
    )
    return {url: article_id for url, article_id in rows}


def owner_of(session: Session, url: str, digest: str) -> Owner | None:
    """The article holding `url`, and whether its latest version has the text `digest`."""
    row = session.execute(
        select(Article.id, Article.source_id, Article.version_count)
        .join(ArticleUrl, ArticleUrl.article_id == Article.id)
        .where(ArticleUrl.url == url)
    ).first()
    if row is None:
        return None
    latest = session.scalar(
        select(Version.content_hash).where(
            Version.article_id == row.id, Version.number == row.version_count - 1
        )
    )
    return Owner(
        article_id=row.id,
        source_id=row.source_id,
        has_versions=row.version_count > 0,
        same_text=latest == digest,
    )

"""Which article holds a URL: inserts that tolerate a concurrent crawl, owners, aliases.

Two crawls may discover or alias the same URL at the same moment; the unique
constraint decides who wins, and the loser's insert is a no-op rather than an
IntegrityError (which on PostgreSQL would also abort the whole transaction).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from newsmon.core.hosts import host_of
from newsmon.core.identity import Owner, sites_of
from newsmon.core.outcomes import EventKind
from newsmon.record.articledates import open_to_feed_dates
from newsmon.storage.db import rowcount
from newsmon.storage.models import Article, ArticleEvent, ArticleUrl, Feed, Source, Version

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def _insert(session: Session, model: type[Any] | Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS:
        raise NotImplementedError(f"newsmon supports SQLite and PostgreSQL, not {dialect}")
    return _INSERTS[dialect](model)


def claim_url(session: Session, url: str, article_id: int) -> int | None:
    """Record `url` as one of the article's URLs unless another holds it; returns the holder."""
    statement = _insert(session, ArticleUrl).values(url=url, article_id=article_id)
    if session.scalar(statement.on_conflict_do_nothing().returning(ArticleUrl.id)) is not None:
        return article_id
    return session.scalar(select(ArticleUrl.article_id).where(ArticleUrl.url == url))


@dataclass(frozen=True)
class Known:
    """An article that already holds a URL a feed announced."""

    article_id: int
    source_id: int
    undated: bool  # no date from a feed or sitemap yet: another feed may give one


@dataclass(frozen=True)
class PublishedBy:
    """A feed entry's publication date and where it was read (`feed` or `sitemap`)."""

    at: datetime | None
    origin: str | None


def known_urls(session: Session, urls: list[str]) -> dict[str, Known]:
    """The articles already holding any of `urls`, by URL."""
    if not urls:
        return {}
    rows = session.execute(
        select(ArticleUrl.url, ArticleUrl.article_id, Article.source_id, open_to_feed_dates())
        .join(Article, Article.id == ArticleUrl.article_id)
        .where(ArticleUrl.url.in_(urls))
    )
    return {
        url: Known(article_id, source, bool(undated)) for url, article_id, source, undated in rows
    }


def yield_canonical(session: Session, url: str, holder_id: int) -> bool:
    """Take `url` back from an article that holds it only through its page's canonical link.

    Called when another source's feed announces `url`: a page must not squat on a URL
    before the source that publishes it names it. The holder goes back to the URL its
    own feed announced (its first URL) and keeps its versions; True if it let go.
    """
    first = session.scalar(
        select(ArticleUrl.url)
        .where(ArticleUrl.article_id == holder_id)
        .order_by(ArticleUrl.id)
        .limit(1)
    )
    if first is None or first == url:  # its own feed announced it: the URL is its own
        return False
    session.execute(delete(ArticleUrl).where(ArticleUrl.url == url))
    # A bulk UPDATE runs no ORM event: the host (the politeness key) follows the URL here.
    session.execute(
        update(Article).where(Article.id == holder_id).values(url=first, host=host_of(first))
    )
    return True


def take_over(
    session: Session, *, known: Known, source_id: int, now: datetime, published: PublishedBy
) -> bool:
    """Move an article to `source_id`, whose feed on the story's own site lists it, from
    the source that listed it first from another site; recorded as a `moved` event.

    Its versions stay with it (they are the story's); the new source's feed dates it,
    as only its own source's feeds do. False when the article moved meanwhile.
    """
    values: dict[str, Any] = {"source_id": source_id}
    if published.at is not None:
        values.update(published_at=published.at, published_from=published.origin)
    moved = rowcount(
        session.execute(
            update(Article)
            .where(Article.id == known.article_id, Article.source_id == known.source_id)
            .values(values)
        )
    )
    if moved != 1:
        return False
    slugs = dict(
        session.execute(
            select(Source.id, Source.slug).where(Source.id.in_((known.source_id, source_id)))
        ).all()
    )
    detail = f"from {slugs.get(known.source_id)} to {slugs.get(source_id)}"
    session.add(
        ArticleEvent(article_id=known.article_id, kind=EventKind.MOVED, at=now, detail=detail)
    )
    return True


def insert_articles(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert new articles with their URLs in two statements; returns how many were new.

    A URL another crawl inserted meanwhile is skipped, as articles.url or as one of
    another article's URLs (article_urls.url); an article left without its URL is removed.
    """
    if not rows:
        return 0
    # executemany with RETURNING: SQLAlchemy batches it into multi-row INSERTs whose
    # compiled form is cached, instead of compiling a new 200-row statement each chunk.
    connection = session.connection()
    # A mapped class's `__table__` is typed as any FromClause; here it is always its Table.
    articles = _insert(session, cast(Table, Article.__table__)).on_conflict_do_nothing()
    created = dict(connection.execute(articles.returning(Article.url, Article.id), rows).all())
    if not created:
        return 0
    urls = _insert(session, cast(Table, ArticleUrl.__table__)).on_conflict_do_nothing()
    pairs = [{"url": url, "article_id": article_id} for url, article_id in created.items()]
    claimed = set(connection.execute(urls.returning(ArticleUrl.url), pairs).scalars())
    orphans = [article_id for url, article_id in created.items() if url not in claimed]
    if orphans:
        session.execute(delete(Article).where(Article.id.in_(orphans)))
    return len(claimed)


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


def source_sites(session: Session, source_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """Each source's own sites: of its feeds' URLs as configured, and of its homepage."""
    ids = set(source_ids)
    feeds = select(Feed.source_id, Feed.url).where(Feed.source_id.in_(ids))
    homepages = select(Source.id, Source.homepage).where(Source.id.in_(ids))
    urls: dict[int, list[str | None]] = {source_id: [] for source_id in ids}
    for source_id, url in session.execute(feeds.union_all(homepages)):
        urls[source_id].append(url)
    return {source_id: sites_of(found) for source_id, found in urls.items()}

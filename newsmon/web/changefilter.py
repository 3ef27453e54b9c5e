"""What a feed of changes lists: the `?include=minor`, `?class=`, `?source=`, `?q=` filters,
and the article events (frozen, gone, back) it lists beside the versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import HTTPException
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from newsmon.core.outcomes import ChangeClass, EventKind
from newsmon.record.changeclass import CHANGE_CLASSES, QUIET_CLASSES
from newsmon.search.query import Query, QueryError, parse, source_slug
from newsmon.search.sql import conditions
from newsmon.storage.models import Article, ArticleEvent, Source, Version


@dataclass(frozen=True)
class ChangeFilter:
    """A feed's filters; by default every change but `minor`, `method` and `template` ones (see
    newsmon.record.changeclass.QUIET_CLASSES), and every event."""

    include_minor: bool = False
    classes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    query: Query | None = None

    @property
    def narrowed(self) -> bool:
        """A class or a search asks about text: events (which have none) are left out."""
        return bool(self.classes or self.query)

    def conditions(self, session: Session) -> list[ColumnElement[bool]]:
        """WHERE conditions on versions joined with their articles and sources."""
        out: list[ColumnElement[bool]] = []
        if self.query is not None:
            out += conditions(session, self.query)
        if self.classes:
            out.append(Version.change_class.in_(self.classes))
        else:  # versions stored before classes existed count as edits
            quiet = (
                (ChangeClass.METHOD.value, ChangeClass.TEMPLATE.value)
                if self.include_minor
                else QUIET_CLASSES
            )
            out.append(or_(Version.change_class.is_(None), Version.change_class.not_in(quiet)))
        if self.sources:
            out.append(Source.slug.in_(self.sources))
        return out


def from_params(
    *, include: str | None, class_: str | None, source: str | None, q: str | None
) -> ChangeFilter:
    """The filters of a feed URL, or a 400 saying which parameter is wrong."""
    classes = tuple(c.strip() for c in (class_ or "").split(",") if c.strip())
    bad = [c for c in classes if c not in CHANGE_CLASSES]
    if bad:
        raise HTTPException(400, f"class is one of {', '.join(CHANGE_CLASSES)}, not {bad[0]!r}")
    if include not in (None, "", ChangeClass.MINOR):
        raise HTTPException(400, "include takes only 'minor'")
    try:
        query = parse(q) if q and q.strip() else None
    except QueryError as exc:
        raise HTTPException(400, f"q: {exc}") from exc
    try:
        sources = tuple(source_slug(s) for s in (source or "").split(",") if s.strip())
    except QueryError as exc:
        raise HTTPException(400, f"source: {exc}") from exc
    return ChangeFilter(
        include_minor=include == ChangeClass.MINOR, classes=classes, sources=sources, query=query
    )


@dataclass(frozen=True)
class EventEntry:
    """An article's state change, as a feed entry or a line on its page."""

    event: ArticleEvent
    article: Article


def events(
    session: Session,
    *,
    source: str | None = None,
    article_id: int | None = None,
    sources: tuple[str, ...] = (),
    limit: int = 50,
) -> list[EventEntry]:
    """Newest events first, for one article, one source or all."""
    query = (
        select(ArticleEvent, Article)
        .join(Article, Article.id == ArticleEvent.article_id)
        .join(Source, Source.id == Article.source_id)
        .order_by(ArticleEvent.at.desc(), ArticleEvent.id.desc())
        .limit(limit)
    )
    if source is not None:
        query = query.where(Source.slug == source)
    if sources:
        query = query.where(Source.slug.in_(sources))
    if article_id is not None:
        query = query.where(ArticleEvent.article_id == article_id)
    return [EventEntry(e, a) for e, a in session.execute(query)]


def latest_event_marker(
    session: Session, *, source: str | None = None, article_id: int | None = None
) -> tuple[int, datetime | None]:
    """(newest event id, its time): joins a feed's ETag and Last-Modified."""
    query = select(func.max(ArticleEvent.id), func.max(ArticleEvent.at)).join(Article)
    if source is not None:
        query = query.join(Source).where(Source.slug == source)
    if article_id is not None:
        query = query.where(ArticleEvent.article_id == article_id)
    newest, at = session.execute(query).one()
    return newest or 0, at


def event_sentence(event: ArticleEvent) -> str:
    """What happened, in words, never with an empty field."""
    if event.kind == EventKind.FROZEN:
        return "no change for a long time; no longer checked (frozen)"
    if event.kind == EventKind.GONE:
        code = f"HTTP {event.http_status}" if event.http_status else "no answer"
        return f"went missing from its site ({code})"
    if (
        event.kind == EventKind.MOVED
    ):  # listed first by a feed on another site; its own site's source
        moved = f" ({event.detail})" if event.detail else ""
        return f"moved to the source whose feed on the story's own site lists it{moved}"
    return "is back on its site"

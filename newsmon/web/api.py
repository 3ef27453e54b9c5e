"""The JSON API under /api/, for scripts and researchers; OpenAPI at /api/openapi.json."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from newsmon.read.queries import (
    ArticleFilter,
    NotFound,
    articles_after,
    version_of,
    version_pair,
    versions_of,
)
from newsmon.read.shapes import article_json, version_record
from newsmon.read.summaries import source_summaries
from newsmon.record.diff import Row, diff_texts
from newsmon.storage.models import Article
from newsmon.web.deps import ClockDep, SessionDep
from newsmon.web.edges import Text, UtcDatetime, fits_database, require_id
from newsmon.web.errors import declared

router = APIRouter(prefix="/api", tags=["api"])
NO_ARTICLE = "There is no article with this id"
NO_VERSION = "There is no such article, or it has no such version"
DateOrigin = Literal["feed", "sitemap", "page"]  # newsmon.storage.models.DATE_ORIGINS
ArticleStatus = Literal["active", "frozen", "gone"]  # newsmon.storage.models.ARTICLE_STATUSES


class FeedOut(BaseModel):
    url: str
    last_polled_at: datetime | None
    last_status: int | None
    last_error: str | None


class SourceOut(BaseModel):
    slug: str
    name: str
    active: int
    frozen: int
    gone: int
    changes_last_day: int
    changes_last_week: int
    feeds: list[FeedOut]


class ArticleOut(BaseModel):
    id: int
    url: str
    source: str
    title: str | None
    status: ArticleStatus
    version_count: int
    first_seen_at: datetime
    published_at: datetime | None
    published_from: DateOrigin | None = Field(
        description="Where published_at was read: the feed, the sitemap, or the page itself"
    )
    updated_at: datetime | None = Field(description="When the article says it was last updated")
    updated_from: DateOrigin | None = Field(description="Where updated_at was read")
    language: str | None = Field(description="The source's language, a BCP 47 tag")
    last_checked_at: datetime | None
    last_changed_at: datetime | None
    next_check_at: datetime | None = Field(
        description="When the next check is scheduled; null once frozen"
    )


class ArticlePage(BaseModel):
    items: list[ArticleOut]
    next_cursor: str | None


class VersionOut(BaseModel):
    number: int
    captured_at: datetime
    content_hash: str
    title: str
    byline: str | None
    words_added: int
    words_removed: int
    extractor: str
    fetched_url: str | None = Field(
        description="The URL the page was actually fetched from (after redirects), if recorded"
    )


class VersionText(VersionOut):
    text: str


class SpanOut(BaseModel):
    op: Literal["equal", "insert", "delete"]
    text: str


class RowOut(BaseModel):
    kind: Literal["equal", "changed", "added", "removed"]
    old: list[SpanOut]
    new: list[SpanOut]


class DiffOut(BaseModel):
    article_id: int
    a: int
    b: int
    words_added: int
    words_removed: int
    title: RowOut
    rows: list[RowOut]
    coarse: int = Field(
        0,
        description="Passages compared coarser than word by word (by sentence, paired by "
        "position, or replaced whole) because the diff's work is bounded; 0 when exact.",
    )


def _article_out(a: Article) -> ArticleOut:
    """The article shape every rendering shares (newsmon.read.shapes), as the API's model."""
    return ArticleOut.model_validate(article_json(a))


def _cursor(article_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{article_id}".encode()).decode()


def _after(cursor: str | None) -> int:
    """The id a cursor continues after; 422 (in the declared shape) for a forged one."""
    if not cursor:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind != "id":
            raise ValueError(kind)
        after = int(value)
    except ValueError as exc:
        problem = {"loc": ("query", "cursor"), "msg": "cursor is not one this API handed out"}
        raise RequestValidationError([{**problem, "type": "value_error"}]) from exc
    if not fits_database(after):
        raise HTTPException(404, "cursor points outside any range of article ids")
    return after


@router.get("/sources", response_model=list[SourceOut])
def list_sources(session: SessionDep, clock: ClockDep) -> list[SourceOut]:
    """Every watched source: its articles by state, recent changes, and each feed's health."""
    return [
        SourceOut(
            slug=s.source.slug,
            name=s.source.name,
            active=s.active,
            frozen=s.frozen,
            gone=s.gone,
            changes_last_day=s.changes_day,
            changes_last_week=s.changes_week,
            feeds=[
                FeedOut(
                    url=f.url,
                    last_polled_at=f.last_polled_at,
                    last_status=f.last_status,
                    last_error=f.last_error,
                )
                for f in s.feeds
            ],
        )
        for s in source_summaries(session, now=clock.now())
    ]


@router.get(
    "/articles",
    response_model=ArticlePage,
    responses=declared("The cursor points past any article id there can be"),
)
def list_articles(
    session: SessionDep,
    source: Text = None,
    status: Literal["active", "frozen", "gone"] | None = None,
    changed_since: Annotated[
        UtcDatetime | None, Query(description="A time; one without a zone is read as UTC.")
    ] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ArticlePage:
    """Articles in id order; pass `next_cursor` back as `cursor` for the next page."""
    only = ArticleFilter(source=source, status=status, changed_since=changed_since)
    rows, more = articles_after(session, after=_after(cursor), limit=limit, only=only)
    return ArticlePage(
        items=[_article_out(a) for a in rows], next_cursor=_cursor(rows[-1].id) if more else None
    )


def _article(session: SessionDep, article_id: int) -> Article:
    article = session.get(Article, require_id(article_id, "article"))
    if article is None:
        raise HTTPException(404, f"no article {article_id}")
    return article


@router.get("/articles/{article_id}", response_model=ArticleOut, responses=declared(NO_ARTICLE))
def get_article(article_id: int, session: SessionDep) -> ArticleOut:
    """One article: its URL, source, state, number of versions and when it was seen."""
    return _article_out(_article(session, article_id))


@router.get(
    "/articles/{article_id}/versions",
    response_model=list[VersionOut],
    responses=declared(NO_ARTICLE),
)
def list_versions(article_id: int, session: SessionDep) -> list[VersionOut]:
    """An article's versions, numbered from 0, without their text."""
    _article(session, article_id)
    return [
        VersionOut.model_validate(version_record(v, with_text=False))
        for v in versions_of(session, article_id)
    ]


@router.get(
    "/articles/{article_id}/versions/{number}",
    response_model=VersionText,
    responses=declared(NO_VERSION),
)
def get_version(article_id: int, number: int, session: SessionDep) -> VersionText:
    """One version with its full text (version 0 is the first captured)."""
    _article(session, article_id)
    try:
        if not fits_database(number):
            raise NotFound(f"article {article_id} has no version {number}")
        return VersionText.model_validate(version_record(version_of(session, article_id, number)))
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc


@router.get(
    "/articles/{article_id}/diff/{a}/{b}", response_model=DiffOut, responses=declared(NO_VERSION)
)
def get_diff(article_id: int, a: int, b: int, session: SessionDep) -> DiffOut:
    """The word-level diff from version `a` to version `b`: headline, then aligned paragraphs."""
    _article(session, article_id)
    try:
        if not (fits_database(a) and fits_database(b)):
            raise NotFound(f"article {article_id} has no version {b if fits_database(a) else a}")
        old, new = version_pair(session, article_id, a, b)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    d = diff_texts(old.title, old.text, new.title, new.text)

    def row(r: Row) -> RowOut:
        return RowOut(
            kind=r.kind,
            old=[SpanOut(op=s.op, text=s.text) for s in r.old],
            new=[SpanOut(op=s.op, text=s.text) for s in r.new],
        )

    return DiffOut(
        article_id=article_id,
        a=a,
        b=b,
        words_added=d.words_added,
        words_removed=d.words_removed,
        title=row(d.title),
        rows=[row(r) for r in d.rows],
        coarse=d.coarse,
    )

"""The HTML pages: recent changes, sources, an article, a diff, search."""

from __future__ import annotations

from datetime import UTC, tzinfo
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from newsmon.core.urls import is_fetchable
from newsmon.ledger.published import Covering, leaf_indexes
from newsmon.read.changes import changes as list_changes
from newsmon.read.queries import NotFound, version_pair, versions_of
from newsmon.read.summaries import source_articles, source_summaries, totals
from newsmon.record.articledates import origin_words
from newsmon.record.diff import diff_texts
from newsmon.record.health import check_figures
from newsmon.record.store import article_for_url
from newsmon.storage.models import Article, Version
from newsmon.web import changefilter, present, searchpages
from newsmon.web.deps import ClockDep, ConfigDep, SessionDep, display_zone
from newsmon.web.edges import require_id
from newsmon.web.errors import plain_problem

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def render(request: Request, template: str, **context: object) -> HTMLResponse:
    display_zone(request)  # a `?tz=` no zone has is a 400 in words, not UTC in silence
    return request.app.state.templates.TemplateResponse(request, template, context)


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, session: SessionDep, page: Annotated[int, Query(ge=1, le=10_000)] = 1
) -> HTMLResponse:
    rows = list_changes(session, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render(
        request,
        "home.html",
        changes=rows[:PAGE_SIZE],
        page=page,
        more=len(rows) > PAGE_SIZE,
        totals=totals(session) if not rows else None,
    )


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request, session: SessionDep, clock: ClockDep) -> HTMLResponse:
    return render(
        request,
        "sources.html",
        summaries=source_summaries(session, now=clock.now()),
        health=check_figures(session),
    )


@router.get("/sources/{slug}", response_class=HTMLResponse)
def source(
    request: Request,
    slug: str,
    session: SessionDep,
    clock: ClockDep,
    status: Annotated[Literal["", "active", "frozen", "gone"], Query()] = "",
    sort: Annotated[Literal["recent", "most-changed"], Query()] = "recent",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    summary = next(
        (s for s in source_summaries(session, now=clock.now()) if s.source.slug == slug),
        None,
    )
    if summary is None:
        raise HTTPException(404, f"There is no source '{slug}'.")
    articles = source_articles(
        session,
        slug=slug,
        status=status or None,
        sort=sort,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    return render(
        request, "source.html", summary=summary, articles=articles, status=status, sort=sort
    )


def get_article(session: SessionDep, article_id: int) -> Article:
    article = session.get(Article, require_id(article_id, "article"))
    if article is None:
        raise HTTPException(404, f"There is no article {article_id}.")
    return article


def origin_sentence(article: Article, zone: tzinfo = UTC) -> str:
    """When the article appeared, and where that date was read: cited dates need a source."""
    if article.published_at:
        said = origin_words(article.published_from)
        return f"first published on {present.when(article.published_at, zone)} ({said})"
    return f"first seen on {present.when(article.first_seen_at, zone)}"


def updated_sentence(article: Article, zone: tzinfo = UTC) -> str | None:
    if article.updated_at is None:
        return None
    said = origin_words(article.updated_from)
    return f"It was last updated on {present.when(article.updated_at, zone)} ({said})."


def signed_versions(session: SessionDep, versions: list[Version]) -> set[int]:
    """Ids of the versions a signed checkpoint covers: those that have a proof to fetch."""
    latest = Covering.load(session).latest_size
    leaves = leaf_indexes(session, (v.id for v in versions))
    return {vid for vid, index in leaves.items() if index < latest}


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request, article_id: int, session: SessionDep, clock: ClockDep, config: ConfigDep
) -> HTMLResponse:
    article = get_article(session, article_id)
    versions = list(versions_of(session, article.id))
    zone = display_zone(request)
    state = present.state_sentence(
        status=article.status,
        quiet_since=article.quiet_since,
        now=clock.now(),
        policy=config.recheck_policy(),
        gone_at=article.gone_at,
        last_status=article.last_status,
        has_changed=len(versions) > 1,  # version 0 sets last_changed_at too: a capture
        zone=zone,
    )
    return render(
        request,
        "article.html",
        article=article,
        versions=versions,
        state=state,
        origin=origin_sentence(article, zone),
        updated=updated_sentence(article, zone),
        current=versions[-1] if versions else None,
        changes=max(len(versions) - 1, 0),
        events=changefilter.events(session, article_id=article.id, limit=100),
        signed=signed_versions(session, versions),
    )


@router.get("/articles/{article_id}/diff")
def diff_form(
    article_id: int, a: Annotated[int, Query(ge=0)], b: Annotated[int, Query(ge=0)]
) -> Response:
    return RedirectResponse(f"/articles/{article_id}/diff/{a}/{b}", status_code=303)


@router.get("/articles/{article_id}/diff/{a}/{b}", response_class=HTMLResponse)
def diff_page(
    request: Request,
    article_id: int,
    a: int,
    b: int,
    session: SessionDep,
    mode: Annotated[Literal["auto", "side", "inline"], Query()] = "auto",
) -> HTMLResponse:
    article = get_article(session, article_id)
    missing = next((n for n in (a, b) if not 0 <= n < article.version_count), None)
    try:
        if missing is not None:  # also keeps ids beyond the integer range out of queries
            raise NotFound(f"This article has no version {missing}")
        old, new = version_pair(session, article.id, a, b)
    except NotFound as exc:
        raise HTTPException(
            404, f"{exc} ({present.version_range(article.version_count)})."
        ) from exc
    result = diff_texts(old.title, old.text, new.title, new.text)
    step = b - a if b != a else 1
    prev = (a - step, b - step) if min(a, b) - step >= 0 else None
    nxt = (a + step, b + step) if max(a, b) + step < article.version_count else None
    return render(
        request,
        "diff.html",
        article=article,
        old=old,
        new=new,
        diff=result,
        mode=mode,
        prev=prev,
        next=nxt,
        distance=present.later(old.captured_at, new.captured_at),
    )


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    q = present.xml_safe(q).strip()  # no control characters, NUL included, reach a query
    if not q:
        raise HTTPException(400, plain_problem({"loc": ("query", "q"), "input": q}))
    if is_fetchable(q):
        article = article_for_url(session, q)
        if article is None:
            raise HTTPException(404, f"newsmon has not seen an article at {q}.")
        return RedirectResponse(f"/articles/{article.id}", status_code=303)
    return searchpages.results_page(request, session, q, cursor)

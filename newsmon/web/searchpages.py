"""Search on the web: the results page behind /search, and JSON at /api/search."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from pydantic import BaseModel

from newsmon.search.query import Cursor, QueryError, parse
from newsmon.search.snippets import marked_html, plain
from newsmon.search.sql import Hit, SearchPage, search
from newsmon.web.deps import SessionDep

router = APIRouter(prefix="/api", tags=["api"])
PAGE_SIZE = 20


class SearchOut(BaseModel):
    """A page of hits, each in search's own shape (`newsmon.search.sql.Hit`), snippet plain."""

    hits: list[Hit]
    next_cursor: str | None


def run(session: SessionDep, q: str, cursor: str | None, limit: int) -> SearchPage:
    """The search behind both renderings; a bad query or cursor is the caller's error:
    a 400 page, or the API's 422 in its declared shape, as for its other parameters."""
    try:
        query = parse(q)
    except QueryError as exc:
        raise _invalid("q", exc) from exc
    try:
        after = Cursor.decode(cursor) if cursor else None
    except QueryError as exc:
        raise _invalid("cursor", exc) from exc
    return search(session, query, limit=limit, cursor=after)


def _invalid(parameter: str, exc: QueryError) -> RequestValidationError:
    problem = {"loc": ("query", parameter), "msg": str(exc), "type": "value_error"}
    return RequestValidationError([problem])


@router.get("/search", response_model=SearchOut)
def api_search(
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = PAGE_SIZE,
) -> SearchOut:
    """Every version, searched: words, "phrases", -word, source:S, class:minor|headline|edit,
    removed:"…", added:…, headline:changed. Plain searches give one hit per article (its
    newest matching version); searches about changes one hit per version pair. Pass
    `next_cursor` back as `cursor` for the next page."""
    page = run(session, q, cursor, limit)
    return SearchOut(
        hits=[replace(h, snippet=plain(h.snippet)) for h in page.hits],
        next_cursor=page.next_cursor,
    )


def results_page(request: Request, session: SessionDep, q: str, cursor: str | None) -> HTMLResponse:
    """The HTML results: headline, snippet with the matched words marked, and paging."""
    page = run(session, q, cursor, PAGE_SIZE)
    results = [(h, Markup(marked_html(h.snippet))) for h in page.hits]  # escaped piecewise
    return request.app.state.templates.TemplateResponse(
        request, "search.html", {"q": q, "page": page, "results": results, "cursor": cursor}
    )

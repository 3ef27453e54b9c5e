"""One version read whole, and its raw page shown as captured, sandboxed.

A journalist citing a version needs its full text, when it was captured and the hashes
that tie it to the record, not only what changed. The raw page is the publisher's HTML:
it is served from newsmon under `Content-Security-Policy: sandbox` with nothing allowed
to load from the network, so its scripts never run and opening it tells the publisher
(or anyone it embeds) nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from newsmon.read.queries import NotFound, version_of
from newsmon.storage.models import Article, Version
from newsmon.storage.rawpages import raw_of
from newsmon.web import present
from newsmon.web.deps import SessionDep
from newsmon.web.pages import get_article, render, signed_versions

router = APIRouter(include_in_schema=False)

# Scripts, plugins, forms and popups off (sandbox without allow-*); nothing fetched but
# what the page carries inline (styles, data: images and fonts); not framed by others.
CAPTURED_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
CAPTURED_HEADERS = {
    "Content-Security-Policy": CAPTURED_CSP,
    "X-DNS-Prefetch-Control": "off",  # <link rel=dns-prefetch> is not a fetch CSP governs
    "Cache-Control": "private, max-age=3600",
}


def get_version(session: SessionDep, article: Article, number: int) -> Version:
    """Version `number` of `article`, or a 404 saying which versions exist."""
    try:
        if not 0 <= number < article.version_count:  # also keeps huge numbers out of SQL
            raise NotFound(f"This article has no version {number}")
        return version_of(session, article.id, number)
    except NotFound as exc:
        raise HTTPException(
            404, f"{exc} ({present.version_range(article.version_count)})."
        ) from exc


def decoded_page(raw: bytes, encoding: str | None) -> str:
    """The page's text as it was read at capture: the encoding recorded then, else UTF-8.

    Served re-encoded as UTF-8 (the header's charset outranks any <meta charset> in
    the page), so the browser shows the characters newsmon extracted the text from.
    """
    try:
        return raw.decode(encoding or "utf-8", errors="replace")
    except LookupError:  # a recorded name this Python does not know
        return raw.decode("utf-8", errors="replace")


def raw_missing_sentence(version: Version) -> str:
    """Why a version has no page as captured: thinned by a recorded rule, or never kept."""
    if version.raw_thinned_at:
        return (
            f"The page as captured was thinned on {present.when(version.raw_thinned_at)} "
            f"by the retention rule “{version.raw_thinned_by}”; the version's text is kept."
        )
    return "newsmon kept no page as captured for this version; its text is kept."


@router.get("/articles/{article_id}/versions/{number}", response_class=HTMLResponse)
def version_page(
    request: Request, article_id: int, number: int, session: SessionDep
) -> HTMLResponse:
    article = get_article(session, article_id)
    version = get_version(session, article, number)
    previous = get_version(session, article, number - 1) if number > 0 else None
    kept = raw_of(session, version) is not None
    return render(
        request,
        "version.html",
        article=article,
        version=version,
        distance=present.later(previous.captured_at, version.captured_at) if previous else None,
        has_next=number + 1 < article.version_count,
        raw_missing=None if kept else raw_missing_sentence(version),
        signed=version.id in signed_versions(session, [version]),
    )


@router.get("/articles/{article_id}/versions/{number}/captured")
def captured_page(article_id: int, number: int, session: SessionDep) -> Response:
    article = get_article(session, article_id)
    version = get_version(session, article, number)
    raw = raw_of(session, version)
    if raw is None:
        raise HTTPException(404, raw_missing_sentence(version))
    return Response(
        decoded_page(raw, version.encoding),
        media_type="text/html; charset=utf-8",
        headers=CAPTURED_HEADERS,
    )

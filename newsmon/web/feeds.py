"""RSS 2.0 and Atom feeds of changes, global, per source and per article, with 304s."""

from __future__ import annotations

import hashlib
from email.utils import format_datetime, parsedate_to_datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator
from markupsafe import escape

from newsmon.models import Article, Source
from newsmon.web import data
from newsmon.web.deps import SessionDep
from newsmon.web.edges import public_base, require_id
from newsmon.web.present import summary_html, xml_safe

router = APIRouter(include_in_schema=False)
FEED_SIZE = 50
MEDIA = {"rss": "application/rss+xml; charset=utf-8", "atom": "application/atom+xml; charset=utf-8"}


def build_feed(
    *,
    changes: list[data.Change],
    title: str,
    self_url: str,
    site_url: str,
    kind: Literal["rss", "atom"],
    base: str,
) -> bytes:
    """One feed entry per change, each with a stable GUID and a link to its diff page."""
    fg = FeedGenerator()
    fg.id(self_url)
    fg.title(xml_safe(title))
    fg.link(href=site_url, rel="alternate")
    fg.link(href=self_url, rel="self")
    fg.description(xml_safe(f"{title}: every change newsmon captured"))
    fg.language("en")
    for change in reversed(changes):  # feedgen prepends; keep newest first in the output
        v, a = change.version, change.article
        diff_url = f"{base}/articles/{a.id}/diff/{v.number - 1}/{v.number}"
        entry = fg.add_entry()
        entry.id(f"{base}/articles/{a.id}/versions/{v.number}")
        entry.guid(f"{base}/articles/{a.id}/versions/{v.number}", permalink=False)
        entry.title(xml_safe(f"‘{v.title}’ changed (version {v.number})"))
        entry.link(href=diff_url)
        html = (
            f"<p>+{v.words_added} / −{v.words_removed} words. "
            f'<a href="{escape(diff_url)}">See the diff</a> · '
            f'<a href="{escape(a.url)}">original article</a></p>' + summary_html(v.summary)
        )
        if kind == "atom":
            entry.content(html, type="html")
        else:
            entry.description(html)
        entry.published(v.captured_at)
        entry.updated(v.captured_at)
    return fg.rss_str(pretty=False) if kind == "rss" else fg.atom_str(pretty=False)


def feed_response(
    request: Request,
    session: SessionDep,
    *,
    kind: str,
    title: str,
    site_path: str,
    source: str | None = None,
    article_id: int | None = None,
) -> Response:
    if kind not in MEDIA:
        raise HTTPException(404, "Feeds come as .rss or .atom.")
    newest, at = data.latest_change_marker(session, source=source, article_id=article_id)
    etag = '"' + hashlib.sha256(f"{request.url.path}:{newest}".encode()).hexdigest()[:20] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
    if at is not None:
        headers["Last-Modified"] = format_datetime(at.replace(microsecond=0), usegmt=True)
    if _not_modified(request, etag, at):
        return Response(status_code=304, headers=headers)
    base = public_base(request.app.state.config)  # never the Host header: feeds are cached
    body = build_feed(
        changes=data.changes(session, source=source, article_id=article_id, limit=FEED_SIZE),
        title=title,
        self_url=base + request.url.path,
        site_url=base + site_path,
        kind=kind,
        base=base,  # type: ignore[arg-type]
    )
    return Response(body, media_type=MEDIA[kind], headers=headers)


def _not_modified(request: Request, etag: str, at: object) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return etag in [t.strip() for t in if_none_match.split(",")] or if_none_match == "*"
    since = request.headers.get("if-modified-since")
    if since and at is not None:
        try:
            return at.replace(microsecond=0) <= parsedate_to_datetime(since)  # type: ignore[attr-defined]
        except (TypeError, ValueError):
            return False
    return False


@router.get("/feeds/changes.{kind}")
def all_changes(request: Request, kind: str, session: SessionDep) -> Response:
    return feed_response(request, session, kind=kind, title="newsmon: all changes", site_path="/")


@router.get("/sources/{slug}/changes.{kind}")
def source_changes(request: Request, slug: str, kind: str, session: SessionDep) -> Response:
    source = None if "\x00" in slug else session.query(Source).filter_by(slug=slug).one_or_none()
    if source is None:
        raise HTTPException(404, f"There is no source '{slug}'.")
    return feed_response(
        request,
        session,
        kind=kind,
        title=f"{source.name}: changes",
        site_path=f"/sources/{slug}",
        source=slug,
    )


@router.get("/articles/{article_id}/changes.{kind}")
def article_changes(request: Request, article_id: int, kind: str, session: SessionDep) -> Response:
    article = session.get(Article, require_id(article_id, "article"))
    if article is None:
        raise HTTPException(404, f"There is no article {article_id}.")
    return feed_response(
        request,
        session,
        kind=kind,
        title=f"Changes to ‘{article.title or article.url}’",
        site_path=f"/articles/{article_id}",
        article_id=article_id,
    )

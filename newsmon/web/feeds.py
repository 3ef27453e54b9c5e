"""RSS 2.0 and Atom feeds of changes, global, per source and per article, with 304s."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator
from markupsafe import escape

from newsmon.read.changes import Change, latest_change_marker
from newsmon.read.changes import changes as list_changes
from newsmon.read.summaries import source_named, sources_languages
from newsmon.storage.models import Article
from newsmon.web import changefilter
from newsmon.web.changefilter import ChangeFilter, EventEntry
from newsmon.web.deps import SessionDep
from newsmon.web.edges import public_base, require_id
from newsmon.web.present import class_words, summary_html, xml_safe

router = APIRouter(include_in_schema=False)
FEED_SIZE = 50
MEDIA = {"rss": "application/rss+xml; charset=utf-8", "atom": "application/atom+xml; charset=utf-8"}


def build_feed(
    *,
    changes: list[Change],
    events: Sequence[EventEntry] = (),
    title: str,
    self_url: str,
    site_url: str,
    kind: Literal["rss", "atom"],
    base: str,
    language: str | None = None,
) -> bytes:
    """One feed entry per change, each with a stable GUID and a link to its diff page.

    `language` is the watched text's (the source's); a feed mixing languages has none.
    """
    fg = FeedGenerator()
    fg.id(self_url)
    fg.title(xml_safe(title))
    fg.link(href=site_url, rel="alternate")
    fg.link(href=self_url, rel="self")
    fg.description(xml_safe(f"{title}: every change newsmon captured"))
    if language:
        fg.language(language)
    entries: list[Change | EventEntry] = [*changes, *events]
    entries.sort(key=_entry_time, reverse=True)
    for change in reversed(entries[:FEED_SIZE]):  # feedgen prepends; keep newest first
        if isinstance(change, EventEntry):
            _event_entry(fg, change, base)
            continue
        v, a = change.version, change.article
        diff_url = f"{base}/articles/{a.id}/diff/{v.number - 1}/{v.number}"
        entry = fg.add_entry()
        entry.id(f"{base}/articles/{a.id}/versions/{v.number}")
        entry.guid(f"{base}/articles/{a.id}/versions/{v.number}", permalink=False)
        entry.title(xml_safe(f"‘{v.title}’ changed (version {v.number})"))
        if v.change_class:
            entry.category(term=v.change_class, label=class_words(v.change_class))
        entry.link(href=diff_url)
        html = (
            f"<p>{class_words(v.change_class).capitalize() if v.change_class else 'Change'}: "
            f"+{v.words_added} / −{v.words_removed} words. "
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


def _entry_time(entry: Change | EventEntry) -> tuple:
    if isinstance(entry, EventEntry):
        return (entry.event.at, 0, entry.event.id)
    return (entry.version.captured_at, 1, entry.version.id)


def _event_entry(fg: FeedGenerator, item: EventEntry, base: str) -> None:
    """An article frozen, gone or back: an entry of its own, linking the article page."""
    e, a = item.event, item.article
    page = f"{base}/articles/{a.id}"
    entry = fg.add_entry()
    entry.id(f"{page}/events/{e.id}")
    entry.guid(f"{page}/events/{e.id}", permalink=False)
    sentence = changefilter.event_sentence(e)
    entry.title(xml_safe(f"‘{a.title or a.url}’ {sentence}"))
    entry.link(href=page)
    entry.description(
        xml_safe(f'<p>{escape(sentence)}. <a href="{escape(page)}">The article</a></p>')
    )
    entry.published(e.at)
    entry.updated(e.at)


def feed_response(
    request: Request,
    session: SessionDep,
    *,
    kind: str,
    title: str,
    site_path: str,
    source: str | None = None,
    article_id: int | None = None,
    filters: ChangeFilter | None = None,
    language: str | None = None,
) -> Response:
    filters = filters or ChangeFilter()
    if kind not in MEDIA:
        raise HTTPException(404, "Feeds come as .rss or .atom.")
    newest, at = latest_change_marker(session, source=source, article_id=article_id)
    event, event_at = changefilter.latest_event_marker(
        session, source=source, article_id=article_id
    )
    at = max((t for t in (at, event_at) if t is not None), default=None)
    marker = f"{request.url.path}?{request.url.query}:{newest}:{event}:{language}"
    etag = '"' + hashlib.sha256(marker.encode()).hexdigest()[:20] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
    if at is not None:
        headers["Last-Modified"] = format_datetime(at.replace(microsecond=0), usegmt=True)
    if _not_modified(request, etag, at):
        return Response(status_code=304, headers=headers)
    base = public_base(request.app.state.config)  # never the Host header: feeds are cached
    where = filters.conditions(session)
    body = build_feed(
        changes=list_changes(
            session, source=source, article_id=article_id, limit=FEED_SIZE, where=where
        ),
        events=[]
        if filters.narrowed
        else changefilter.events(
            session, source=source, article_id=article_id, sources=filters.sources
        ),
        title=title,
        self_url=base + request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        site_url=base + site_path,
        kind="rss" if kind == "rss" else "atom",  # checked against MEDIA above
        base=base,
        language=language,
    )
    return Response(body, media_type=MEDIA[kind], headers=headers)


def _not_modified(request: Request, etag: str, at: datetime | None) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return etag in [t.strip() for t in if_none_match.split(",")] or if_none_match == "*"
    since = request.headers.get("if-modified-since")
    if since and at is not None:
        try:
            return at.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def feed_filters(
    include: Annotated[str | None, Query(max_length=20)] = None,
    class_: Annotated[str | None, Query(alias="class", max_length=100)] = None,
    source: Annotated[str | None, Query(max_length=500)] = None,
    q: Annotated[str | None, Query(max_length=2000)] = None,
) -> ChangeFilter:
    """`?include=minor`, `?class=headline,edit`, `?source=a,b`, `?q=` (a search query)."""
    return changefilter.from_params(include=include, class_=class_, source=source, q=q)


FiltersDep = Annotated[ChangeFilter, Depends(feed_filters)]


def common_language(session: SessionDep) -> str | None:
    """The one language every source is in, if there is one; else the feed declares none."""
    languages = sources_languages(session, limit=2)
    return languages[0] if len(languages) == 1 else None


@router.get("/feeds/changes.{kind}")
def all_changes(request: Request, kind: str, session: SessionDep, filters: FiltersDep) -> Response:
    return feed_response(
        request,
        session,
        kind=kind,
        title="newsmon: all changes",
        site_path="/",
        filters=filters,
        language=common_language(session),
    )


@router.get("/sources/{slug}/changes.{kind}")
def source_changes(
    request: Request, slug: str, kind: str, session: SessionDep, filters: FiltersDep
) -> Response:
    source = source_named(session, slug)
    if source is None:
        raise HTTPException(404, f"There is no source '{slug}'.")
    return feed_response(
        request,
        session,
        kind=kind,
        title=f"{source.name}: changes",
        site_path=f"/sources/{slug}",
        source=slug,
        filters=filters,
        language=source.language,
    )


@router.get("/articles/{article_id}/changes.{kind}")
def article_changes(
    request: Request, article_id: int, kind: str, session: SessionDep, filters: FiltersDep
) -> Response:
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
        filters=filters,
        language=article.source.language,
    )

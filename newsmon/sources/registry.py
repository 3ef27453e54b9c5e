"""Managing sources and their feeds, and the starter list of real news feeds."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsmon.core.urls import BadURL, canonicalize
from newsmon.extract.language import BadLanguage
from newsmon.sources.access import AccessError, SourceAccess, changed_access
from newsmon.sources.language import set_language
from newsmon.sources.modes import apply_mode_changes
from newsmon.storage.models import SOURCE_RENDERS, Article, Feed, Source


class SourceError(ValueError):
    """A source command that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class SourceSpec:
    """A source to add: its slug, name and feed URLs."""

    slug: str
    name: str
    feeds: tuple[str, ...]
    homepage: str | None = None
    sitemaps: tuple[str, ...] = ()  # URLs known to be sitemaps (robots.txt says so)
    starter: bool = False  # one of the shipped starter sources


def starter_sources() -> list[SourceSpec]:
    """The shipped list of major news feeds, so a fresh install has something real to watch."""
    data = tomllib.loads(files("newsmon").joinpath("starter_sources.toml").read_text("utf-8"))
    return [
        SourceSpec(
            slug=s["slug"],
            name=s["name"],
            feeds=tuple(s["feeds"]),
            homepage=s.get("homepage"),
            starter=True,
        )
        for s in data["sources"]
    ]


def _check_slug(typed: str) -> str:
    slug = typed.strip().lower()
    if not slug or not all(c.isalnum() or c in "-_" for c in slug) or len(slug) > 64:
        raise SourceError(f"bad source slug {typed!r}: use letters, digits, '-' and '_'")
    return slug


def add_source(session: Session, *, spec: SourceSpec, now: datetime) -> tuple[Source, int]:
    """Add a source, or new feeds to an existing one. Returns the source and feeds added."""
    slug = _check_slug(spec.slug)
    urls: dict[str, str] = {}  # canonical URL -> kind until its first poll says otherwise
    for url, kind in [*((u, "feed") for u in spec.feeds), *((u, "sitemap") for u in spec.sitemaps)]:
        try:
            urls.setdefault(canonicalize(url), kind)
        except BadURL as exc:
            raise SourceError(f"bad feed URL {url[:100]!r}: {exc}") from exc
    source = session.scalar(select(Source).where(Source.slug == slug))
    if source is None:
        source = Source(
            slug=slug,
            name=spec.name or slug,
            homepage=spec.homepage,
            enabled=True,
            created_at=now,
            starter=spec.starter,
        )
        session.add(source)
        session.flush()
    added = 0
    for url, kind in urls.items():
        owner = session.scalar(select(Feed).where(Feed.url == url))
        if owner is not None:
            if owner.source_id != source.id:
                raise SourceError(f"feed {url} already belongs to source {owner.source.slug!r}")
            continue
        session.add(
            Feed(
                source_id=source.id,
                url=url,
                kind=kind,
                next_poll_at=now,
                consecutive_errors=0,
                entries_seen=0,
            )
        )
        added += 1
    session.flush()
    return source, added


def remove_source(session: Session, *, slug: str) -> int:
    """Remove a source with its feeds, articles and versions. Returns articles removed."""
    source = session.scalar(select(Source).where(Source.slug == slug))
    if source is None:
        raise SourceError(f"unknown source {slug!r} (see `newsmon sources list`)")
    articles = session.scalar(select(func.count()).where(Article.source_id == source.id)) or 0
    session.delete(source)
    return articles


def source_by_slug(session: Session, slug: str) -> Source:
    source = session.scalar(select(Source).where(Source.slug == slug))
    if source is None:
        raise SourceError(f"unknown source {slug!r} (see `newsmon sources list`)")
    return source


def has_sources(session: Session) -> bool:
    return session.execute(select(func.count()).select_from(Source)).scalar_one() > 0


def own_sources(session: Session) -> int:
    """How many sources the operator added (not from the starter list)."""
    query = select(func.count()).select_from(Source).where(Source.starter.is_(False))
    return session.execute(query).scalar_one()


def starter_slugs(session: Session) -> list[str]:
    """The starter sources still watched."""
    return list(session.scalars(select(Source.slug).where(Source.starter.is_(True))))


def add_starters(session: Session, *, now: datetime) -> list[tuple[Source, int]]:
    """Add the starter list, only while no source of the operator's own exists: once
    there is one, starters would only fail and crowd it (issue 21)."""
    if own_sources(session):
        raise SourceError(
            "starter sources are added only while no other source exists "
            "(you have your own sources already)"
        )
    return [add_source(session, spec=spec, now=now) for spec in starter_sources()]


def remove_starters(session: Session) -> list[tuple[str, int]]:
    """Remove every starter source with its articles. Returns (slug, articles removed)."""
    return [(slug, remove_source(session, slug=slug)) for slug in starter_slugs(session)]


def set_source_paused(session: Session, *, slug: str, paused: bool) -> bool:
    """Pause or resume a source (its feeds and articles are not claimed while paused).
    Returns whether anything changed."""
    source = source_by_slug(session, slug)
    changed = source.enabled == paused
    source.enabled = not paused
    return changed


def feed_by_url(session: Session, url: str) -> Feed:
    try:
        wanted = canonicalize(url)
    except BadURL as exc:
        raise SourceError(f"bad feed URL {url[:100]!r}: {exc}") from exc
    feed = session.scalar(select(Feed).where(Feed.url == wanted))
    if feed is None:
        raise SourceError(f"no feed {wanted} is watched (see `newsmon sources list`)")
    return feed


def set_feed_paused(session: Session, *, url: str, paused: bool) -> Feed:
    """Pause or resume one feed of a source."""
    feed = feed_by_url(session, url)
    feed.paused = paused
    return feed


def remove_feed(session: Session, *, url: str) -> Source:
    """Remove one feed; its source and the articles it found stay. Returns the source."""
    feed = feed_by_url(session, url)
    source = feed.source
    source.feeds.remove(feed)
    session.flush()
    return source


@dataclass(frozen=True)
class SourceChanges:
    """What `newsmon sources set` (or a `[sources.SLUG]` table in the config) changes.

    None leaves a setting as it is. Each room that owns a setting checks its value in
    `apply_changes`; the command only carries them.
    """

    title_selector: str | None = None
    body_selector: str | None = None
    exclude: tuple[str, ...] | None = None
    clear_rules: bool = False
    render: str | None = None
    language: str | None = None  # "auto" unpins and lets feeds and pages decide again
    # Access (newsmon.sources.access): None leaves a setting, "" clears it; headers replace.
    headers: tuple[str, ...] | None = None
    cookie: str | None = None
    user_agent: str | None = None
    proxy: str | None = None  # its address is checked by the caller, which knows the guard
    min_interval: int | None = None  # seconds; 0 clears the floor


def apply_changes(source: Source, changes: SourceChanges) -> list[str]:
    """Apply checked changes to a source. Returns one line per setting changed."""
    said: list[str] = []
    said += apply_mode_changes(source, changes)  # extraction rules (newsmon.sources.modes)
    if changes.render is not None:
        if changes.render not in SOURCE_RENDERS:
            raise SourceError(
                f"bad render mode {changes.render!r}: use one of {', '.join(SOURCE_RENDERS)}"
            )
        if source.render != changes.render:
            source.render = changes.render
            said.append(f"render: {changes.render}")
    if changes.language is not None:
        try:
            said += set_language(source, changes.language)
        except BadLanguage as exc:
            raise SourceError(str(exc)) from exc
    return said + _apply_access(source, changes)


def _apply_access(source: Source, changes: SourceChanges) -> list[str]:
    """Store the source's access and interval; lines name secrets, never show them."""
    current = SourceAccess.from_json(source.access)
    try:
        access = changed_access(
            current,
            headers=changes.headers,
            cookie=changes.cookie,
            user_agent=changes.user_agent,
            proxy=changes.proxy,
        )
    except AccessError as exc:
        raise SourceError(str(exc)) from exc
    said = [f"access: {access_line(access)}"] if access != current else []
    source.access = access.to_json()
    if changes.min_interval is not None:
        if changes.min_interval < 0:
            raise SourceError("the interval must not be negative")
        floor = changes.min_interval or None
        if floor != source.min_interval:
            source.min_interval = floor
            said.append(
                f"interval: at least {floor} s between checks" if floor else "interval: policy"
            )
    return said


def access_line(access: SourceAccess) -> str:
    """'headers X-Edition: uk; cookie session=***; proxy http://***@10.0.0.1:3128' (masked)."""
    shown = access.masked()
    parts = [f"header {n}: {v}" for n, v in shown.get("headers", {}).items()]
    parts += [
        f"{k.replace('_', ' ')} {shown[k]}" for k in ("cookie", "user_agent", "proxy") if k in shown
    ]
    return "; ".join(parts) or "defaults"

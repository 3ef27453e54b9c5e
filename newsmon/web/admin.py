"""The admin pages: sources and feeds (add, pause, resume, remove a feed, settings) and
notification subscriptions (add, test, remove, delivery log), behind the login.

Each write is a POSTed form with the session's CSRF token (newsmon.web.login), carried
out by the same functions as the CLI (newsmon.sources.registry, newsmon.notify.records)
in its own transaction, then redirected back with one line saying what happened.
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from newsmon.core.urls import canonicalize
from newsmon.crawl.discovery import Discovered, DiscoveryError, discover_site
from newsmon.guard.netguard import parse_networks
from newsmon.notify import records
from newsmon.notify.destinations import add_refusal
from newsmon.notify.rules import SubscriptionError, sample_facts
from newsmon.notify.send import SendLimits, send
from newsmon.record.changeclass import CHANGE_CLASSES
from newsmon.sources.access import AccessError, SourceAccess
from newsmon.sources.registry import (
    SourceChanges,
    SourceError,
    SourceSpec,
    access_line,
    add_source,
    apply_changes,
    remove_feed,
    set_feed_paused,
    set_source_paused,
    source_by_slug,
)
from newsmon.storage.db import transaction
from newsmon.storage.models import SOURCE_RENDERS, AdminUser, Source, Subscription
from newsmon.web.adminaccess import access_changes, access_form
from newsmon.web.deps import SessionDep
from newsmon.web.login import AdminDep, AdminOn, FormDep, logged_in, render

router = APIRouter(include_in_schema=False, dependencies=[AdminOn])


def _back(request: Request, said: str) -> Response:
    request.session["said"] = said[:500]
    return RedirectResponse("/admin", status_code=303)


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _given(form: FormData, name: str) -> str | None:
    """A field as submitted, None when the form had no such field (it leaves the setting)."""
    value = form.get(name)
    return value if isinstance(value, str) else None


@router.get("/admin", response_class=HTMLResponse)
def admin_home(request: Request, session: SessionDep) -> Response:
    name = logged_in(request, session)
    if name is None:
        return RedirectResponse("/admin/login?next=/admin", status_code=303)
    token = session.scalar(select(AdminUser.feed_token).where(AdminUser.name == name))
    sources = list(session.scalars(select(Source).order_by(Source.slug)))
    deliveries = records.delivery_log(session, limit=50)
    named = records.changes_named(session, [d.version_id for d, _ in deliveries])
    return render(
        request,
        "admin.html",
        admin=name,
        said=request.session.pop("said", None),
        sources=sources,
        # cookie values and proxy passwords masked: the page shows what is set, not the secret
        access={s.slug: access_line(SourceAccess.from_json(s.access)) for s in sources if s.access},
        access_forms={
            s.slug: access_form(SourceAccess.from_json(s.access), s.min_interval) for s in sources
        },
        subscriptions=records.subscriptions(session),
        deliveries=deliveries,
        changes={vid: records.change_name(*pair) for vid, pair in named.items()},
        renders=SOURCE_RENDERS,
        change_classes=CHANGE_CLASSES,
        feed_token=token if request.app.state.config.private else None,
    )


@router.post("/admin/sources")
async def add(request: Request, admin: AdminDep, form: FormDep) -> Response:
    """Add a source (or feeds to one): feed and sitemap URLs, one a line, and/or a site
    URL whose page's feed links and robots.txt's sitemaps are found and added."""
    state = request.app.state
    urls = tuple(u for u in _field(form, "feeds").split() if u)
    slug, site = _field(form, "slug"), _field(form, "site")
    if not slug or not (urls or site):
        return _back(request, "give a slug and a site URL or at least one feed or sitemap URL")
    found: Discovered | None = None
    if site:
        try:  # two guarded fetches, each capped in size and time: never on the event loop
            found = await run_in_threadpool(discover_site, state.config, site)
        except DiscoveryError as exc:
            return _back(request, f"{slug}: nothing added: {exc}")
    spec = SourceSpec(
        slug=slug,
        name=_field(form, "name") or slug,
        feeds=urls + tuple(u for u in found.urls() if u in found.feeds) if found else urls,
        homepage=canonicalize(site) if found else None,
        sitemaps=tuple(u for u in found.urls() if u not in found.feeds) if found else (),
    )

    def write() -> str:
        with transaction(state.engine) as session:
            source, added = add_source(session, spec=spec, now=state.clock.now())
            return f"{source.slug}: {added} feed(s) added"

    try:
        said = await run_in_threadpool(write)
    except SourceError as exc:
        said = str(exc)
    return _back(request, said + (f"; {found_line(found)}" if found else ""))


def found_line(found: Discovered) -> str:
    """'found on the page: feed A; in robots.txt: sitemap B; skipped ...' (what discovery saw)."""
    kept = found.urls()
    parts = [f"found on the page: feed {u}" for u in kept if u in found.feeds]
    parts += [f"in robots.txt: sitemap {u}" for u in kept if u not in found.feeds]
    return "; ".join(parts + list(found.notes))


@router.post("/admin/sources/{slug}/{action}")
def source_action(
    request: Request, slug: str, action: str, admin: AdminDep, form: FormDep
) -> Response:
    """Pause or resume a source, or change its rules, render mode and language."""
    try:
        with transaction(request.app.state.engine) as session:
            if action in ("pause", "resume"):
                set_source_paused(session, slug=slug, paused=action == "pause")
                said = f"{slug}: {action}d"
            elif action == "settings":
                changes = SourceChanges(
                    title_selector=_field(form, "title_selector") or None,
                    body_selector=_field(form, "body_selector") or None,
                    exclude=tuple(_field(form, "exclude").split(","))
                    if _field(form, "exclude")
                    else None,
                    clear_rules=_field(form, "clear_rules") == "on",
                    render=_field(form, "render") or None,
                    language=_field(form, "language") or None,
                )
                source = source_by_slug(session, slug)
                access = access_changes(
                    lambda name: _given(form, name),
                    SourceAccess.from_json(source.access),
                    parse_networks(request.app.state.config.allow_networks),
                )
                done = apply_changes(source, replace(changes, **access))
                said = f"{slug}: {'; '.join(done) or 'nothing changed'}"
            else:
                return _back(request, f"unknown action {action[:30]!r}")
    except (SourceError, AccessError) as exc:
        said = f"{slug}: nothing changed: {exc}"
    return _back(request, said)


@router.post("/admin/feeds/{action}")
def feed_action(request: Request, action: str, admin: AdminDep, form: FormDep) -> Response:
    """Pause, resume or remove one feed (named by its URL)."""
    url = _field(form, "url")
    try:
        with transaction(request.app.state.engine) as session:
            if action in ("pause", "resume"):
                feed = set_feed_paused(session, url=url, paused=action == "pause")
                said = f"{feed.source.slug}: feed {feed.url} {action}d"
            elif action == "remove":
                source = remove_feed(session, url=url)
                said = f"{source.slug}: feed {url} removed"
            else:
                return _back(request, f"unknown action {action[:30]!r}")
    except SourceError as exc:
        said = str(exc)
    return _back(request, said)


@router.post("/admin/subscriptions")
def subscribe(request: Request, admin: AdminDep, form: FormDep) -> Response:
    """Add a subscription: a webhook or apprise URL, optionally filtered."""
    url = _field(form, "url")
    refused = add_refusal(url, parse_networks(request.app.state.config.allow_networks))
    if refused:
        return _back(request, refused)
    try:
        with transaction(request.app.state.engine) as session:
            sub = records.add_subscription(
                session,
                url=url,
                now=request.app.state.clock.now(),
                source=_field(form, "source") or None,
                change_class=_field(form, "change_class") or None,
                query=_field(form, "query") or None,
                # the form sends "off" then "on" when ticked; a form without the field
                # (an older page) keeps the default, as `notify add` does
                events="on" in form.getlist("events") if "events" in form else True,
            )
            said = f"subscription {sub.id} added"
            if sub.secret:
                said += f"; webhook secret (shown once): {sub.secret}"
    except SubscriptionError as exc:
        said = str(exc)
    return _back(request, said)


@router.post("/admin/subscriptions/{sub_id}/remove")
def unsubscribe(request: Request, sub_id: int, admin: AdminDep, form: FormDep) -> Response:
    try:
        with transaction(request.app.state.engine) as session:
            records.remove_subscription(session, sub_id)
        said = f"subscription {sub_id} removed"
    except SubscriptionError as exc:
        said = str(exc)
    return _back(request, said)


@router.post("/admin/subscriptions/{sub_id}/test")
async def test(request: Request, sub_id: int, admin: AdminDep, form: FormDep) -> Response:
    """Send a sample notification now and say how it went."""
    state = request.app.state

    def job() -> records.Job | None:
        with Session(state.engine) as session:
            sub = session.get(Subscription, sub_id)
            return (
                records.Job(0, sub.url, sub.secret, sample_facts(state.clock.now()))
                if sub
                else None
            )

    found = await run_in_threadpool(job)
    if found is None:
        return _back(request, f"there is no subscription {sub_id}")
    base = str(state.config.public_url or request.base_url)
    limits = SendLimits(allow=parse_networks(state.config.allow_networks))
    outcome = await send(found, base_url=base, limits=limits)
    said = "delivered" if outcome.ok else f"not delivered: {outcome.error}"
    return _back(request, f"test notification to subscription {sub_id}: {said}")

"""The FastAPI application factory: routers, templates, security headers, error pages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from sqlalchemy.exc import IntegrityError
from starlette.middleware.base import RequestResponseEndpoint
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response

from newsmon.config.settings import Config
from newsmon.core.clock import Clock, SystemClock
from newsmon.core.zones import zone_named
from newsmon.storage.db import ensure_schema, transaction
from newsmon.web import errors, present
from newsmon.web.auth import LoginLimiter, session_secret
from newsmon.web.changefilter import event_sentence
from newsmon.web.deps import TZ_COOKIE, lenient_zone
from newsmon.web.edges import SECURITY_HEADERS, HeadAsGet

TEMPLATES = Path(__file__).with_name("templates")


@pass_context
def when_for_reader(context: Any, value: datetime | None) -> str:
    """`present.when` in the zone the page's reader chose (UTC unless they chose)."""
    return present.when(value, lenient_zone(context["request"]))


@pass_context
def zone_name(context: Any) -> str:
    return str(lenient_zone(context["request"]))


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.globals.update(
        when=when_for_reader,
        zone_name=zone_name,
        paragraphs=present.paragraphs_html,
        source_sentence=present.source_sentence,
        later=present.later,
        spans_html=present.spans_html,
        changes_sentence=present.changes_sentence,
        text=present.text_attrs,
    )
    env.globals.update(class_words=present.class_words, event_sentence=event_sentence)
    return templates


def remember_zone(request: Request, response: Response) -> None:
    """A page asked for with a valid `?tz=` keeps that zone for the reader's next pages."""
    chosen = request.query_params.get("tz")
    if not chosen or response.status_code >= 400:
        return
    try:
        zone_named(chosen)
    except ValueError:
        return
    response.set_cookie(TZ_COOKIE, chosen.strip(), max_age=365 * 86400, samesite="lax")


def create_app(config: Config, clock: Clock | None = None) -> FastAPI:
    """An app over `config.database_url`: GET routes, each also answering HEAD, and
    the admin's POSTed forms behind a login once an admin account exists."""
    from newsmon.web import (
        admin,
        api,
        apidocs,
        favicon,
        feeds,
        health,
        ledger,
        login,
        pages,
        searchpages,
        versionpages,
    )

    app = FastAPI(
        title="newsmon",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        description="Every version of every news article newsmon has seen.",
    )
    app.state.config = config
    app.state.clock = clock or SystemClock()
    app.state.engine = ensure_schema(config.database_url)
    app.state.templates = make_templates()
    app.state.login_limiter = LoginLimiter()
    modules = (api, ledger, searchpages, apidocs, health, feeds, versionpages, pages, favicon)
    for module in (*modules, login, admin):
        app.include_router(module.router)
    errors.install(app)

    @app.middleware("http")
    async def private_mode(request: Request, call_next: RequestResponseEndpoint) -> Response:
        refused = await login.private_gate(request)
        return refused if refused is not None else await call_next(request)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        remember_zone(request, response)
        return response

    try:
        with transaction(app.state.engine) as session:
            secret = session_secret(session)
    except IntegrityError:  # another web process made it at the same moment: read theirs
        with transaction(app.state.engine) as session:
            secret = session_secret(session)
    https = bool(config.public_url) and str(config.public_url).startswith("https:")
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie="newsmon_session",
        max_age=14 * 24 * 3600,
        same_site="lax",
        https_only=https,
    )
    app.add_middleware(HeadAsGet)
    return app

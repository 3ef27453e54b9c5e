"""The FastAPI application factory: routers, templates, security headers, error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import IntegrityError
from starlette.middleware.base import RequestResponseEndpoint
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response

from newsmon.config.settings import Config
from newsmon.core.clock import Clock, SystemClock
from newsmon.storage.db import ensure_schema, transaction
from newsmon.web import errors, present
from newsmon.web.auth import LoginLimiter, session_secret
from newsmon.web.changefilter import event_sentence
from newsmon.web.edges import SECURITY_HEADERS, HeadAsGet

TEMPLATES = Path(__file__).with_name("templates")


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.globals.update(
        when=present.when,
        later=present.later,
        spans_html=present.spans_html,
        changes_sentence=present.changes_sentence,
        text=present.text_attrs,
    )
    env.globals.update(class_words=present.class_words, event_sentence=event_sentence)
    return templates


def create_app(config: Config, clock: Clock | None = None) -> FastAPI:
    """An app over `config.database_url`: GET routes, each also answering HEAD, and
    the admin's POSTed forms behind a login once an admin account exists."""
    from newsmon.web import admin, api, apidocs, feeds, health, ledger, login, pages, searchpages

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
    for module in (api, ledger, searchpages, apidocs, health, feeds, pages, login, admin):
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

"""The FastAPI application factory: routers, templates, security headers, error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsmon.clock import Clock, SystemClock
from newsmon.config import Config
from newsmon.db import ensure_schema
from newsmon.web import present
from newsmon.web.changefilter import event_sentence

TEMPLATES = Path(__file__).with_name("templates")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
API_DOCS_CSP = (  # the Swagger UI page loads its script and styles from a CDN
    "default-src 'self' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data:"
)


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.globals.update(when=present.when, later=present.later, spans_html=present.spans_html)
    env.globals.update(class_words=present.class_words, event_sentence=event_sentence)
    return templates


def create_app(config: Config, clock: Clock | None = None) -> FastAPI:
    """A read-only app over `config.database_url`; only GET and HEAD routes exist."""
    from newsmon.web import api, feeds, pages, searchpages

    app = FastAPI(
        title="newsmon",
        version="1",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        description="Every version of every news article newsmon has seen.",
    )
    app.state.config = config
    app.state.clock = clock or SystemClock()
    app.state.engine = ensure_schema(config.database_url)
    app.state.templates = make_templates()
    app.include_router(api.router)
    app.include_router(searchpages.router)
    app.include_router(feeds.router)
    app.include_router(pages.router)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        headers = dict(SECURITY_HEADERS)
        if request.url.path == "/api/docs":
            headers["Content-Security-Policy"] = API_DOCS_CSP
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):  # type: ignore[no-untyped-def]
        return error_response(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):  # type: ignore[no-untyped-def]
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.errors()}, status_code=422)
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors()
        )
        return error_response(request, 400, problems or "malformed request")

    return app


def error_response(request: Request, status: int, detail: str) -> HTMLResponse | JSONResponse:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": detail}, status_code=status)
    titles = {400: "Bad request", 404: "Not found", 405: "Method not allowed"}
    return request.app.state.templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "title": titles.get(status, "Error"), "detail": detail},
        status_code=status,
    )

"""What the web app's edges accept: ids the database can hold, zone-less times, HEAD, links.

Each of these once answered 500 or leaked the request's `Host` header into a feed;
they are checked here, before any query runs.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import HTTPException
from pydantic import AfterValidator, BeforeValidator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsmon.config.settings import Config

# Sent with every answer, error pages included (a 500 is answered outside the app's
# middleware, so newsmon.web.errors adds them to it itself).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

# Ids and version numbers are INTEGER columns: 32 bits on PostgreSQL, where a larger
# value in a query is an error rather than no row. (SQLite would take 64 bits, but no
# id there gets past 2^31 without two billion inserts.)
DB_INT_MAX = 2**31 - 1


def fits_database(value: int) -> bool:
    """Whether `value` can be an id or version number at all (else no query is needed)."""
    return 0 <= value <= DB_INT_MAX


def require_id(value: int, what: str) -> int:
    """`value` unchanged, or a 404 saying there is no such thing, for ids out of any range."""
    if not fits_database(value):
        raise HTTPException(404, f"There is no {what} {value}.")
    return value


def as_utc(value: datetime) -> datetime:
    """A time without a zone is read as UTC; one with a zone is converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # year 9999 at -14:00 falls off the calendar in UTC
        raise ValueError("time is outside the range of dates") from exc


def a_written_time(value: object) -> object:
    """A time must be written as one (ISO 8601), as the schema says: pydantic would read a
    bare number as seconds since 1970, which nobody means in a URL."""
    if isinstance(value, int | float) or (
        isinstance(value, str) and _NUMBER.fullmatch(value.strip())
    ):
        raise ValueError("must be a time such as 2026-03-02T09:00:00Z, not a number")
    return value


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
UtcDatetime = Annotated[datetime, BeforeValidator(a_written_time), AfterValidator(as_utc)]


def no_nul(value: str | None) -> str | None:
    """Refuse NUL, which no stored text holds and PostgreSQL will not even compare."""
    if value is not None and "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


Text = Annotated[str | None, AfterValidator(no_nul)]


def public_base(config: Config) -> str:
    """The base of absolute links (no trailing slash): `public_url`, else the bind address.

    Never the request's `Host` header, which anyone can set (and a cache would keep).
    """
    if config.public_url:
        return str(config.public_url).strip().rstrip("/")
    host = config.web_host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal
    return f"http://{host}:{config.web_port}"


def allow_with_head(allow: str) -> str:
    """An `Allow` header value that names HEAD wherever GET is allowed."""
    methods = [m.strip() for m in allow.split(",") if m.strip()]
    if "GET" in methods and "HEAD" not in methods:
        methods.insert(methods.index("GET") + 1, "HEAD")
    return ", ".join(methods)


class HeadAsGet:
    """ASGI middleware: answer HEAD as GET would, headers and all, without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


def jsonable_errors(errors: Any) -> list[dict[str, Any]]:
    """Validation errors with only the fields the OpenAPI document declares, all JSON-safe."""
    out = []
    for error in errors:
        item = {
            "loc": [part if isinstance(part, int | str) else str(part) for part in error["loc"]],
            "msg": str(error["msg"]),
            "type": str(error["type"]),
        }
        out.append(item)
    return out

"""FastAPI dependencies: a read-only session per request, the app's clock and policy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, tzinfo
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from newsmon.config.settings import Config
from newsmon.core.clock import Clock
from newsmon.core.zones import zone_named


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session
        session.rollback()  # read-only: nothing a request does is ever committed


def get_config(request: Request) -> Config:
    return request.app.state.config


def get_clock(request: Request) -> Clock:
    return request.app.state.clock


SessionDep = Annotated[Session, Depends(get_session)]
ConfigDep = Annotated[Config, Depends(get_config)]
ClockDep = Annotated[Clock, Depends(get_clock)]


TZ_COOKIE = "tz"


def zone_choice(request: Request) -> str:
    """The zone name a reader chose (`?tz=`, else the cookie a `?tz=` set), else the setting."""
    chosen = request.query_params.get("tz") or request.cookies.get(TZ_COOKIE)
    return (chosen or request.app.state.config.display_timezone).strip()[:100]


def display_zone(request: Request) -> tzinfo:
    """The zone a page shows times in; a name no zone has is a 400 in words."""
    try:
        return zone_named(zone_choice(request))
    except ValueError as exc:
        raise HTTPException(400, f"{exc}.") from exc


def lenient_zone(request: Request) -> tzinfo:
    """`display_zone`, falling back to UTC: for error pages, which must render whatever came."""
    try:
        return zone_named(zone_choice(request))
    except ValueError:
        return UTC

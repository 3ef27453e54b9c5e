"""FastAPI dependencies: a read-only session per request, the app's clock and policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from newsmon.config.settings import Config
from newsmon.core.clock import Clock


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

"""/healthz for load balancers and uptime checks, /metrics for Prometheus.

/healthz answers 503 when the database cannot be read, and when crawler rows exist
but none has reported in the last 3 minutes: crawlers that were killed or whose
machine died (a clean stop removes a crawler's row), so `newsmon serve` running apart
from its fleet says that the fleet died. No crawler row at all (a web-only archive,
or a fleet stopped on purpose) is healthy, with a note. Schedule lag is reported,
never a reason for 503: taking a web process out of rotation because crawling is
behind would only make things worse. Sources over their storage quota are listed
(`sources_over_quota`), also without a 503: their text is still being stored; and
sources whose extraction degraded (`sources_degraded`, newsmon.record.health), without
a 503 too: the rest of the archive is being kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from newsmon.crawl.metrics import ScheduleState, database_problem, schedule_state, web_registry
from newsmon.record.health import degraded_sources
from newsmon.record.thinning import over_quota
from newsmon.storage.db import transaction
from newsmon.storage.models import Source
from newsmon.web.present import span

router = APIRouter(include_in_schema=False)


def sources_over_quota(engine: Engine) -> dict[str, str]:
    """slug -> the standing over-quota event's detail, for each source over its quota."""
    with transaction(engine) as session:
        events = over_quota(session)
        slugs = {sid: slug for sid, slug in session.execute(select(Source.id, Source.slug))}
        return {slugs[sid]: event.detail or "" for sid, event in events.items()}


def sources_degraded(engine: Engine) -> dict[str, str]:
    """slug -> why, for each source whose extraction is degraded."""
    with transaction(engine) as session:
        return degraded_sources(session)


def verdict(
    state: ScheduleState | None,
    problem: str | None,
    now: Any,
    over_quota: dict[str, str] | None = None,
    degraded: dict[str, str] | None = None,
) -> tuple[int, dict]:
    """(HTTP status, JSON body) of a health check, from what the database said.
    `over_quota`: slug -> detail of each source over its storage quota; `degraded`:
    slug -> why, of each source whose extraction degraded."""
    if state is None:
        return 503, {"status": "down", "database": "unreachable", "problem": problem}
    body: dict[str, Any] = {
        "status": "ok",
        "database": "ok",
        "crawlers_alive": state.crawlers_alive,
        "schedule_lag_seconds": round(state.schedule_lag_seconds, 1),
        "due_backlog": state.due_backlog,
    }
    if over_quota:
        body["sources_over_quota"] = over_quota
    if degraded:
        body["sources_degraded"] = degraded
    if state.crawlers_known and not state.crawlers_alive:
        ago = span(now - state.last_heartbeat) if state.last_heartbeat else "long"
        body["status"] = "down"
        body["problem"] = f"no crawler has reported in the last 3 minutes (last one {ago} ago)"
        return 503, body
    if not state.crawlers_known:
        body["note"] = "no crawler is running: none has reported, or all stopped cleanly"
    return 200, body


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    app = request.app
    now = app.state.clock.now()
    state, problem = None, database_problem(app.state.config.database_url)
    quota: dict[str, str] = {}
    degraded: dict[str, str] = {}
    if problem is None:
        try:
            state = schedule_state(app.state.engine, now=now)
            quota = sources_over_quota(app.state.engine)
            degraded = sources_degraded(app.state.engine)
        except SQLAlchemyError as exc:
            problem = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
    status, body = verdict(state, problem, now, quota, degraded)
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


@router.get("/metrics")
def metrics(request: Request) -> Response:
    state = request.app.state
    if getattr(state, "metrics", None) is None:
        state.metrics = web_registry(state.engine, state.config.database_url, state.clock.now)
    body = generate_latest(state.metrics)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

"""The timed watch of sources: extraction health (and the held changes a recovery releases),
and each source's template learned again from its stored pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from newsmon.notify.held import release
from newsmon.record.health import HealthChange, watch_health
from newsmon.storage.db import transaction


def watch_sources(engine: Engine, *, now: datetime) -> list[HealthChange]:
    """Assess every source's extraction; a recovered source's held changes are enqueued."""
    with transaction(engine) as session:
        changes = watch_health(session, now=now)
        for change in changes:
            if change.kind == "recovered":
                session.flush()
                release(session, source_id=change.source_id, since=change.since, now=now)
        return changes

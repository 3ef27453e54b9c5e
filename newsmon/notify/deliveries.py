"""New deliveries: one pending row per version (or source event) a subscription is to be
told of."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from newsmon.storage.models import Delivery


def pending(
    subscription_id: int,
    version_ids: Iterable[int],
    now: datetime,
    *,
    event_ids: Iterable[int] = (),
) -> list[Delivery]:
    """Deliveries of `version_ids` (and of source events `event_ids`) to one subscription,
    due at once, not yet tried."""
    told = [{"version_id": v} for v in version_ids] + [{"source_event_id": e} for e in event_ids]
    return [
        Delivery(
            subscription_id=subscription_id,
            status="pending",
            attempts=0,
            created_at=now,
            next_attempt_at=now,
            **what,
        )
        for what in told
    ]

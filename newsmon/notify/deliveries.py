"""New deliveries: one pending row per version a subscription is to be told of."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from newsmon.storage.models import Delivery


def pending(subscription_id: int, version_ids: Iterable[int], now: datetime) -> list[Delivery]:
    """Deliveries of `version_ids` to one subscription, due at once, not yet tried."""
    return [
        Delivery(
            subscription_id=subscription_id,
            version_id=version_id,
            status="pending",
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
        for version_id in version_ids
    ]

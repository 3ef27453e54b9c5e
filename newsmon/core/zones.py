"""Time zones by IANA name: the one check for `display_timezone` and the web's `?tz=`.

Times are stored in UTC; a zone only changes how a page shows them, so an unknown
name is refused where it is given rather than silently shown as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@lru_cache(maxsize=256)
def zone_named(name: str) -> tzinfo:
    """The zone called `name` (`UTC`, `Europe/Paris`), or ValueError in words."""
    name = name.strip()
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a path-like name
        raise ValueError(f"“{name}” is not a time zone name such as Europe/Paris") from exc


def in_zone(value: datetime, zone: tzinfo) -> datetime:
    """`value` (stored UTC; a zone-less time is read as UTC) as the clock in `zone` reads it."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone)

"""Raw pages as fetched: stored once per SHA-256, zlib-compressed, read through one door.

Every reader of a version's raw page goes through `raw_of` (an ORM version) or
`raw_column` with `decompress` (streamed rows): a version names a `raw_pages` row
(`raw_page`), or, if stored before migration 0011, carries its own copy in `raw_html`.
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from newsmon.storage.models import RawPage, Version

LEVEL = 6  # zlib 9 compresses prose no smaller, in 1.8x the time (bench/storage.py)


def store_raw(session: Session, body: bytes, *, now: datetime) -> str:
    """Keep `body` once (a page already stored is not written again); its SHA-256 key.

    A page already stored gets `named_at = now`, which on PostgreSQL also locks its row:
    a concurrent thinning or orphan sweep (newsmon.record.thinning) cannot then delete
    the page this version is about to name. SQLite runs one writer at a time.
    """
    digest = hashlib.sha256(body).hexdigest()
    values = {"sha256": digest, "body": zlib.compress(body, LEVEL), "size": len(body)}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(RawPage)
        .values(**values, named_at=now)
        .on_conflict_do_update(index_elements=["sha256"], set_={"named_at": now})
    )
    return digest


def delete_orphans(session: Session, *, before: datetime) -> int:
    """Delete pages no version names (their articles or sources were deleted), last named
    before `before`: a page a capture is naming right now is newer, or locked."""
    unnamed = ~exists().where(Version.raw_page == RawPage.sha256)
    result = session.execute(delete(RawPage).where(RawPage.named_at < before, unnamed))
    return cast(CursorResult[Any], result).rowcount or 0


def raw_column() -> Any:
    """The compressed raw page of the `Version` in the query's row (NULL if none is kept):
    the shared page, else the pre-0011 copy."""
    shared = select(RawPage.body).where(RawPage.sha256 == Version.raw_page).scalar_subquery()
    return func.coalesce(shared, Version.raw_html)


def decompress(blob: bytes | None) -> bytes | None:
    return zlib.decompress(blob) if blob else None


def raw_of(session: Session, version: Version) -> bytes | None:
    """The raw page bytes of `version`, or None when none is kept (never stored, or thinned)."""
    if version.raw_page is not None:
        blob = session.scalar(select(RawPage.body).where(RawPage.sha256 == version.raw_page))
        if blob is not None:
            return zlib.decompress(blob)
    return decompress(version.raw_html)

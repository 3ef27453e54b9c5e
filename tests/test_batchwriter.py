"""The batched writer: what it says was stored is stored; what failed, the caller hears.

Real databases (a SQLite file, the throwaway PostgreSQL cluster): a commit that fails is
made by a foreign key checked only at COMMIT, as a full disk fails a commit.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from newsmon.storage.batchwriter import BatchWriter
from newsmon.storage.db import (
    DatabaseUnwritable,
    dispose_engine,
    ensure_schema,
    shared_engine,
    transaction,
)

PLEDGES = (
    "CREATE TABLE pledges (id INTEGER PRIMARY KEY, "
    "source_id INTEGER REFERENCES sources(id) DEFERRABLE INITIALLY DEFERRED)"
)


def pledge(session, *, pledge_id: int, source_id: int | None = None) -> int:
    """A row whose dangling source fails only when its transaction commits."""
    session.execute(
        text("INSERT INTO pledges (id, source_id) VALUES (:id, :source)"),
        {"id": pledge_id, "source": source_id},
    )
    return pledge_id


def forget_sources(session) -> None:
    session.execute(text("DELETE FROM sources"))


@pytest.fixture
def writer(config):
    engine = ensure_schema(config.database_url)
    with transaction(engine) as session:
        session.execute(text(PLEDGES))
    writer = BatchWriter(engine)
    yield writer
    writer.close()


def stored(writer: BatchWriter) -> list[int]:
    with transaction(writer.engine) as session:
        return list(session.scalars(text("SELECT id FROM pledges ORDER BY id")))


def test_a_write_whose_commit_fails_is_reported_failed_not_stored(writer):
    async def write() -> int:
        return await writer.run(pledge, alone=True, pledge_id=1, source_id=999)

    with pytest.raises(IntegrityError):
        asyncio.run(write())
    assert stored(writer) == []


def test_a_batch_whose_commit_fails_stores_the_good_writes_and_fails_the_bad_one(writer):
    async def together() -> list[object]:
        jobs = [
            writer.run(pledge, pledge_id=1),
            writer.run(pledge, pledge_id=2, source_id=999),
            writer.run(pledge, pledge_id=3),
        ]
        return await asyncio.gather(*jobs, return_exceptions=True)

    first, bad, last = asyncio.run(together())
    assert (first, last) == (1, 3) and isinstance(bad, IntegrityError)
    assert stored(writer) == [1, 3]


@pytest.mark.sqlite_only
def test_an_unwritable_database_is_said_once_and_told_to_every_listener(config, caplog):
    """Every write then fails alike, and each caller hears DatabaseUnwritable; the log says
    it once, however many writes failed, and each listener learns the reason."""
    ensure_schema(config.database_url)
    path = config.database_url.removeprefix("sqlite:///")
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    heard: list[str] = []
    writer = BatchWriter(shared_engine(read_only))
    writer.listen(heard.append)

    async def three() -> list[object]:
        jobs = [writer.run(forget_sources, alone=True) for _ in range(3)]
        return await asyncio.gather(*jobs, return_exceptions=True)

    try:
        with caplog.at_level("ERROR", logger="newsmon.storage.batchwriter"):
            results = asyncio.run(three())
    finally:
        writer.close()
        dispose_engine(read_only)
    assert all(isinstance(r, DatabaseUnwritable) for r in results)
    assert {r.reason for r in results} == {"the database is read-only"}  # type: ignore[union-attr]
    assert heard == ["the database is read-only"] * 3
    said = [r.getMessage() for r in caplog.records if "cannot be written" in r.getMessage()]
    assert len(said) == 1 and "read-only" in said[0]

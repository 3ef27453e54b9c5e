"""Engines, sessions and schema upgrades. SQLite gets WAL, a busy timeout and foreign keys."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Engine, Result, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from newsmon.core.runtime import process_runtime

# newsmon.migrations: in a wheel a folder of the package; in a checkout newsmon/migrations
# links to the repository's top-level migrations/ (the product card's layout).
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
T = TypeVar("T")
SQLITE_BUSY_TIMEOUT_MS = 30_000
_engines_lock = threading.Lock()


class DatabaseError(RuntimeError):
    """The database cannot be opened or used; the message says why in one line."""


class DatabaseUnwritable(DatabaseError):
    """No write can succeed (disk full, read-only, server gone): stop, do not pretend."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot write to the database: {reason}")
        self.reason = reason


# What a database says when no write can succeed until an operator acts; "database is
# locked" (busy) is not among them: that is one item's bad luck, retried later.
_UNWRITABLE = (
    ("database or disk is full", "the disk is full"),
    ("disk full", "the disk is full"),
    ("no space left on device", "the disk is full"),
    ("attempt to write a readonly database", "the database is read-only"),
    ("read-only transaction", "the database is read-only"),
    ("unable to open database file", "the database file cannot be opened"),
    ("disk i/o error", "a disk I/O error"),
    ("connection refused", "the database server refuses connections"),
    ("server closed the connection", "the database server closed the connection"),
    ("database is closed", "the database is closed"),
)


def unwritable_reason(exc: BaseException) -> str | None:
    """Why no write can succeed, when `exc` says so; None for errors of one item."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    for needle, reason in _UNWRITABLE:
        if needle in text:
            return reason
    return None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def masked_url(url: str) -> str:
    """`url` as people may see it: the password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def _driver_hint(exc: Exception) -> str:
    """Why an engine could not be built, with the install command for a missing driver."""
    if isinstance(exc, ModuleNotFoundError) and exc.name and exc.name.startswith("psycopg"):
        return "the PostgreSQL driver is not installed (pip install -e '.[postgres]')"
    if isinstance(exc, ModuleNotFoundError | NoSuchModuleError):
        return f"its driver is not installed ({exc})"
    return str(exc)


def make_engine(url: str) -> Engine:
    """A new engine for `url`; SQLite files get their directory checked first."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"bad database URL {masked_url(url)!r}: {exc}") from exc
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            folder = Path(database).expanduser().resolve().parent
            if not folder.is_dir():
                raise DatabaseError(
                    f"cannot open database {masked_url(url)}: folder {folder} does not exist"
                )
        kwargs["connect_args"] = {
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
        }
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except Exception as exc:  # missing driver and the like
        raise DatabaseError(f"cannot use database {masked_url(url)}: {_driver_hint(exc)}") from exc
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


_engines: dict[str, Engine] = {}


def shared_engine(url: str) -> Engine:
    """One engine per URL per process, for Scrapy components built anew for every crawl;
    the process's Runtime disposes of it at exit."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
            process_runtime().hold(_held_name(url), partial(dispose_engine, url))
        return engine


def dispose_engine(url: str) -> None:
    """Close the shared engine's connections, e.g. before its database is dropped."""
    with _engines_lock:
        engine = _engines.pop(url, None)
    process_runtime().forget(_held_name(url))
    if engine is not None:
        engine.dispose()


def _held_name(url: str) -> str:
    return f"database engine {masked_url(url)}"


@functools.lru_cache(maxsize=32)
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """One per engine: each sessionmaker makes a Session subclass, and a new class costs
    SQLAlchemy's event set-up on every session it opens (most of a short transaction).
    Bounded, since a cached factory keeps its engine alive."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with session_factory(engine)() as session, session.begin():
        yield session


def alembic_config(url: str) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Create or upgrade the schema to `revision` with Alembic."""
    from alembic import command
    from sqlalchemy.exc import OperationalError

    try:
        command.upgrade(alembic_config(url), revision)
    except OperationalError as exc:
        raise DatabaseError(f"cannot open database {masked_url(url)}: {exc.orig}") from exc


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def ensure_schema(url: str) -> Engine:
    """The engine for `url`, its schema brought to the newest revision if it was behind."""
    from sqlalchemy.exc import OperationalError

    engine = shared_engine(url)
    try:
        behind = current_revision(engine) != head_revision(url)
    except OperationalError as exc:
        raise DatabaseError(f"cannot open database {masked_url(url)}: {exc.orig}") from exc
    if behind:
        upgrade(url)
    return engine


def rowcount(result: Result) -> int:
    """The rows a DML statement matched. `Session.execute` is typed to return a plain
    `Result`, though for an UPDATE or DELETE it is always a `CursorResult`, which counts."""
    return cast(CursorResult, result).rowcount or 0

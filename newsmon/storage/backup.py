"""Backups of a running service's database, and restoring one: SQLite and PostgreSQL.

On SQLite the copy goes through SQLite's online backup API under one read transaction,
so it is the database as it stood when the backup began, while the service keeps
writing (WAL readers do not block writers). No file of a database is ever opened with
`open()`: on POSIX, closing any descriptor of a file drops every SQLite lock the process
holds on it. Only sqlite3 connections and `os.stat` touch them. PostgreSQL goes through
`pg_dump` and `pg_restore` (`newsmon.storage.pgbackup`).
"""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from newsmon.storage.db import DatabaseError, dispose_engine, masked_url

# (pages copied, pages in all): called after every step of a SQLite backup or restore.
Progress = Callable[[int, int], None]
PAGES_PER_STEP = 1024  # 4 MiB of 4 KiB pages between progress reports


class BackupError(DatabaseError):
    """A backup or restore cannot go ahead; the message says why in one line."""


@dataclass(frozen=True)
class Outcome:
    """What a backup or restore did, for the one line the CLI prints."""

    versions: int
    size_bytes: int


def backend(url: str) -> str:
    """`sqlite` or `postgresql`; anything else cannot be backed up by newsmon."""
    try:
        name = make_url(url).get_backend_name()
    except ArgumentError as exc:
        raise BackupError(f"bad database URL {masked_url(url)!r}: {exc}") from exc
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"cannot back up a {name} database: only SQLite and PostgreSQL")
    return name


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL; an in-memory database has none to copy."""
    database = make_url(url).database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise BackupError(f"{masked_url(url)} is not a database file that can be copied")
    return Path(database).expanduser().resolve()


def _exists(path: Path) -> bool:
    try:
        os.stat(path)
    except FileNotFoundError:
        return False
    return True


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write `path` (nor create it)."""
    uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=30)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def _check_destination(dest: Path, live: Path | None) -> None:
    if not dest.parent.is_dir():
        raise BackupError(f"cannot write {dest}: folder {dest.parent} does not exist")
    if dest.is_dir():
        raise BackupError(f"cannot write {dest}: it is a folder")
    live_files = [Path(f"{live}{end}") for end in ("", "-wal", "-shm", "-journal")] if live else []
    if any(
        dest == f or (_exists(dest) and _exists(f) and os.path.samefile(dest, f))
        for f in live_files
    ):
        raise BackupError(f"{dest} is the live database: name another file for the backup")


@contextmanager
def _partial(dest: Path) -> Iterator[Path]:
    """A hidden file beside `dest`, renamed onto it only when the work succeeds, so a
    failed backup never leaves half a file under the name of a good one."""
    partial = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        yield partial
        os.replace(partial, dest)
    finally:
        for leftover in (partial, Path(f"{partial}-journal")):
            with suppress(FileNotFoundError):
                os.unlink(leftover)


def _step_reporter(progress: Progress | None) -> Callable[[int, int, int], None] | None:
    if progress is None:
        return None

    def report(_status: int, remaining: int, total: int) -> None:
        progress(total - remaining, total)

    return report


def backup(
    url: str, dest: Path, *, progress: Progress | None = None, step_pages: int = PAGES_PER_STEP
) -> Outcome:
    """Copy the database at `url` into the file `dest`, while the service runs.

    Args:
        url: the database (SQLite or PostgreSQL).
        dest: the backup file; replaced only once the new copy is complete and checked.
        progress: told (pages copied, pages in all) after each step (SQLite only).
        step_pages: pages copied between progress reports (SQLite only).

    Returns:
        How many versions the copy holds, and its size.
    """
    dest = Path(dest).expanduser().resolve()
    if backend(url) == "postgresql":
        from newsmon.storage import pgbackup

        _check_destination(dest, None)
        with _partial(dest) as partial:
            versions = pgbackup.dump(url, partial)
        return Outcome(versions=versions, size_bytes=os.stat(dest).st_size)
    source = sqlite_path(url)
    if not _exists(source):
        raise BackupError(f"there is no database at {source}")
    _check_destination(dest, source)
    with _partial(dest) as partial:
        _sqlite_copy(source, partial, progress, step_pages)
        versions = check_sqlite_backup(partial)
    return Outcome(versions=versions, size_bytes=os.stat(dest).st_size)


def _sqlite_copy(source: Path, partial: Path, progress: Progress | None, step_pages: int) -> None:
    try:
        with closing(_read_only(source)) as src, closing(sqlite3.connect(partial)) as dst:
            # One read transaction across every step: the copy is the database as of its
            # first read, and a commit by the service meanwhile does not restart the copy.
            src.execute("BEGIN")
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()
            src.backup(dst, pages=step_pages, progress=_step_reporter(progress))
            src.rollback()
            # One self-contained file: no -wal beside it to lose when it is moved.
            dst.execute("PRAGMA journal_mode=DELETE").fetchone()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot back up {source}: {exc}") from exc


def check_sqlite_backup(path: Path) -> int:
    """The number of versions in a SQLite backup, after `PRAGMA integrity_check` passes
    and it proves to be a newsmon database; BackupError otherwise."""
    if not _exists(path):
        raise BackupError(f"there is no backup at {path}")
    try:
        with closing(_read_only(path)) as conn:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(
                    f"{path} fails SQLite's integrity check ({len(problems)} problem(s), "
                    f"first: {problems[0]})"
                )
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
            if not {"alembic_version", "versions"} <= tables:
                raise BackupError(f"{path} is a SQLite database but not a newsmon one")
            return conn.execute("SELECT count(*) FROM versions").fetchone()[0]
    except sqlite3.Error as exc:
        raise BackupError(f"{path} is not a usable backup: {exc}") from exc


def stored_versions(url: str) -> int:
    """How many versions the database at `url` holds (0 when it does not exist yet),
    read without creating or upgrading anything."""
    if backend(url) == "postgresql":
        from newsmon.storage import pgbackup

        return pgbackup.stored_versions(url)
    path = sqlite_path(url)
    if not _exists(path):
        return 0
    try:
        with closing(_read_only(path)) as conn:
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
            if "versions" not in tables:
                return 0
            return conn.execute("SELECT count(*) FROM versions").fetchone()[0]
    except sqlite3.Error as exc:
        raise BackupError(f"cannot read the database at {path}: {exc}") from exc


def restore(
    url: str, source: Path, *, force: bool = False, progress: Progress | None = None
) -> str:
    """Put the backup `source` in place of the database at `url`.

    The backup is checked first (SQLite's integrity check; `pg_restore --list`), so a bad
    file leaves the target as it was. A target holding versions is replaced only with
    `force`.

    Args:
        url: the database to restore into (created when it does not exist).
        source: a file written by `backup`.
        force: replace a database that already holds versions.
        progress: told (pages copied, pages in all) after each step (SQLite only).

    Returns:
        The summary `after_restore` gives.
    """
    source = Path(source).expanduser().resolve()
    kind = backend(url)
    if kind == "postgresql":
        from newsmon.storage import pgbackup

        pgbackup.check_archive(source)
    else:
        target = sqlite_path(url)
        if _exists(target) and _exists(source) and os.path.samefile(source, target):
            raise BackupError(f"{source} is the database itself: name a backup file")
        check_sqlite_backup(source)
    held = stored_versions(url)
    if held and not force:
        raise BackupError(
            f"the database at {masked_url(url)} holds {held} version(s): "
            "give --force to replace them with the backup"
        )
    dispose_engine(url)  # no pooled connection of ours in the way
    if kind == "postgresql":
        pgbackup.restore(url, source)
    else:
        _sqlite_restore(source, target, progress)
    return after_restore(url)


def _sqlite_restore(source: Path, target: Path, progress: Progress | None) -> None:
    """Copy through the backup API into the target: one write transaction on it, so a
    process reading it sees the old database or the restored one, never a mixture."""
    if not target.parent.is_dir():
        raise BackupError(f"cannot restore to {target}: folder {target.parent} does not exist")
    try:
        with (
            closing(_read_only(source)) as src,
            closing(sqlite3.connect(target, timeout=30)) as dst,
        ):
            dst.execute("PRAGMA busy_timeout=30000")
            src.backup(dst, pages=PAGES_PER_STEP, progress=_step_reporter(progress))
    except sqlite3.Error as exc:
        raise BackupError(f"cannot restore into {target}: {exc}") from exc


def after_restore(url: str) -> str:
    """Hook run after every restore: brings the schema up to date and summarises what
    the database now holds. Checks of the restored record (e.g. the ledger's `newsmon
    verify`) belong here, so every restore runs them.

    Returns:
        One line for the operator.
    """
    from sqlalchemy import func, select

    from newsmon.storage.db import current_revision, ensure_schema, transaction
    from newsmon.storage.models import Article, Source, Version

    engine = ensure_schema(url)
    with transaction(engine) as session:
        sources = session.scalar(select(func.count()).select_from(Source)) or 0
        articles = session.scalar(select(func.count()).select_from(Article)) or 0
        versions = session.scalar(select(func.count()).select_from(Version)) or 0
    revision = current_revision(engine)
    return (
        f"restored {versions} version(s) of {articles} article(s) from {sources} source(s); "
        f"schema at revision {revision}"
    )

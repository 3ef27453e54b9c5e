"""PostgreSQL backups through `pg_dump` (custom format) and `pg_restore`.

The tools are looked for on the PATH, then in Debian's versioned folders
(/usr/lib/postgresql/N/bin, newest first: pg_dump refuses a server newer than itself).
The password travels in the environment (PGPASSWORD), never on a command line that
`ps` shows.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from newsmon.storage.backup import BackupError
from newsmon.storage.db import make_engine, masked_url
from newsmon.storage.models import Version

_INSTALL = "install it (Debian: apt-get install postgresql-client)"
_HOW = {
    "pg_dump": "or run `pg_dump --format=custom --file=FILE DBURL` yourself",
    "pg_restore": "or run `pg_restore --clean --if-exists --dbname=DBURL FILE` yourself",
}
_VERSIONS_TABLE = re.compile(r"^\d+; .* TABLE \S+ versions ", re.MULTILINE)


def find_tool(name: str) -> Path | None:
    """`pg_dump` or `pg_restore`: on the PATH, else the newest of Debian's bindirs."""
    found = shutil.which(name)
    if found:
        return Path(found)
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    candidates.sort(key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(candidates[-1]) if candidates else None


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """The libpq URI for `url` without its password, and the environment carrying it."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None)
    return uri.render_as_string(hide_password=False), env


def _run(tool: str, args: list[str], what: str, url: str | None = None) -> str:
    """Run a PostgreSQL tool; its first error line, after `what`, becomes a BackupError."""
    path = find_tool(tool)
    if path is None:
        raise BackupError(f"{tool} is not installed: {_INSTALL}, {_HOW[tool]}")
    env = dict(os.environ)
    if url is not None:
        uri, env = libpq_target(url)
        args = [*args, f"--dbname={uri}"]
    done = subprocess.run([str(path), *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower()] or lines
        reason = errors[0] if errors else f"{tool} failed (exit {done.returncode})"
        raise BackupError(f"{what}: {reason}")
    return done.stdout


def dump(url: str, dest: Path) -> int:
    """`pg_dump --format=custom` of `url` into `dest`; returns the versions it holds.

    The dump reads a snapshot exported from our own transaction, so the count we give
    is the count of the dump, whatever the crawlers write meanwhile."""
    engine = make_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            versions = conn.execute(select(func.count()).select_from(Version)).scalar_one()
            args = ["--format=custom", f"--file={dest}", f"--snapshot={snapshot}"]
            _run("pg_dump", args, f"cannot back up {masked_url(url)}", url)
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot back up {masked_url(url)}: {_first_line(exc)}") from exc
    finally:
        engine.dispose()
    check_archive(dest)
    return versions


def check_archive(path: Path) -> None:
    """`pg_restore --list` reads the whole table of contents: a file that is not a
    custom-format dump of a newsmon database is refused before the target is touched."""
    if not path.is_file():
        raise BackupError(f"there is no backup at {path}")
    listing = _run("pg_restore", ["--list", str(path)], f"{path} is not a usable backup")
    if not _VERSIONS_TABLE.search(listing):
        raise BackupError(f"{path} is a PostgreSQL dump but not of a newsmon database")


def stored_versions(url: str) -> int:
    """How many versions the database at `url` holds (0 before its schema exists)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("versions"):
                return 0
            return conn.execute(select(func.count()).select_from(Version)).scalar_one()
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot read {masked_url(url)}: {_first_line(exc)}") from exc
    finally:
        engine.dispose()


def restore(url: str, path: Path) -> None:
    """`pg_restore --clean --if-exists` in one transaction: on any error the target
    is left as it was. `--no-owner`: the restoring role owns what it creates."""
    args = ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(path)]
    _run("pg_restore", args, f"cannot restore {path}", url)


def _first_line(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]

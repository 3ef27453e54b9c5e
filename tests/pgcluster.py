"""A throwaway PostgreSQL cluster for tests (initdb and pg_ctl in a temporary folder).

Stands in until the shared PostgreSQL fixture lands in tests/conftest.py; tests
that use it skip, saying why, where Debian's postgresql or psycopg is missing.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def _bin_dir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(found[-1]) if found else None


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    """initdb refuses to run as root: run the cluster as the postgres user there."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster; yield its server URL (no database part); stop and delete it."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL test skipped: Debian's postgresql (pg_ctl) is not installed")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip(
            "PostgreSQL test skipped: psycopg is not installed (pip install -e '.[postgres]')"
        )
    folder = tempfile.mkdtemp(prefix="newsmon-search-pg-")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = os.path.join(folder, "data"), _port()
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run(
        _as_postgres([f"{bin_dir}/initdb", "-D", data, "-A", "trust", "-U", "postgres"]), **run
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    log = os.path.join(folder, "server.log")  # the server must not hold our pipes open
    start = [f"{bin_dir}/pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "start"]
    subprocess.run(_as_postgres(start), check=True, stdout=subprocess.DEVNULL, timeout=120)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_postgres([f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


def create_database(server: str, name: str) -> str:
    """A fresh empty database on the cluster; its URL."""
    import psycopg

    with psycopg.connect(server.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"

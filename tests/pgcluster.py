"""A throwaway PostgreSQL cluster for tests: initdb and pg_ctl in a temporary folder.

Debian's `postgresql` package provides the binaries (`.ci/run` installs it). The
cluster listens on a loopback port only, trusts local connections, and runs with
fsync off: it exists for one test session and is deleted with it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = (
    "PostgreSQL is not installed: `apt-get install postgresql` (Debian; .ci/run does it) "
    "and `pip install -e '.[postgres]'` for the driver"
)


def pg_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's versioned folder."""
    found = shutil.which("pg_ctl")
    if found and Path(found).with_name("initdb").exists():
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    """A running cluster; `url(db)` names one of its databases for SQLAlchemy."""

    bindir: Path
    datadir: Path
    port: int
    run_as: list[str]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://newsmon@127.0.0.1:{self.port}/{database}"

    def create_database(self, template: str | None = None) -> str:
        """A new database for one test, empty or a copy of `template`; returns its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=newsmon dbname=postgres", autocommit=True
        ) as conn:
            copied = f' TEMPLATE "{template}"' if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{copied}')
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(
            [
                *self.run_as,
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.datadir),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
        )


def start_cluster(folder: Path) -> Cluster:
    """initdb and start a cluster under `folder`; as root, it runs as the `postgres` user."""
    bindir = pg_bindir()
    if bindir is None:
        raise FileNotFoundError(INSTALL_HINT)
    run_as: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
        folder.chmod(0o700)
    datadir, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    if run_as:
        shutil.chown(sockets, "postgres")
    subprocess.run(
        [
            *run_as,
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-A",
            "trust",
            "-U",
            "newsmon",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C.UTF-8",
        ],
        capture_output=True,
        check=True,
    )
    port = _free_port()
    options = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        [
            *run_as,
            str(bindir / "pg_ctl"),
            "-D",
            str(datadir),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "-l",
            str(folder / "log"),
            "start",
        ],
        capture_output=True,
        check=True,
    )
    return Cluster(bindir=bindir, datadir=datadir, port=port, run_as=run_as)

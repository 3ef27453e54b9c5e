"""The ledger inside `newsmon run`: checkpoints signed as it goes and at shutdown, stamped by
an RFC 3161 authority on loopback, and an authority that fails or hangs costs the crawl
nothing."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import tsa as tsa_server
from tests.cli_helpers import cli_env, newsmon
from tests.newssite import story
from tests.test_service import FAST


@pytest.fixture
def authority() -> Iterator[tsa_server.TSA]:
    served = tsa_server.start(tsa_server.TSA())
    yield served
    tsa_server.stop(served)


class Run:
    """`newsmon run --no-web` on a SQLite file in `folder`, with the ledger's settings."""

    def __init__(self, folder: Path, site, authority: tsa_server.TSA) -> None:
        self.folder = folder
        self.site = site
        self.db = folder / "run.db"
        self.env = {
            **cli_env(folder),
            **FAST,
            "NEWSMON_DATABASE_URL": f"sqlite:///{self.db}",
            "NEWSMON_CHECKPOINT_INTERVAL": "1s",
            "NEWSMON_TIMESTAMP_AUTHORITIES": authority.url,
        }
        self.log = folder / "run.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        added = newsmon(
            self.folder, "sources", "add", "gazette", self.site.url("/feeds/rss.xml"), env=self.env
        )
        assert added.returncode == 0, added.stderr
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "newsmon", "run", "--no-web"],
            env=self.env,
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("a"),
        )

    def query(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.db, timeout=30) as conn:
            try:
                return conn.execute(sql).fetchall()
            except sqlite3.OperationalError:  # before the schema exists
                return []

    def count(self, sql: str) -> int:
        rows = self.query(sql)
        return int(rows[0][0] or 0) if rows else 0

    def wait(self, predicate, timeout: float = 60) -> None:
        assert self.site.wait_for(predicate, timeout), self.log.read_text()[-3000:]

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(30)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def run(tmp_path, site, authority) -> Iterator[Run]:
    service = Run(tmp_path, site, authority)
    yield service
    service.kill()


def test_checkpoints_are_signed_and_stamped_as_it_runs_and_verify_checks_the_tokens(
    run, site, authority
):
    site.publish(story("dam-inspection"))
    run.start()
    run.wait(lambda: run.count("SELECT count(*) FROM versions") == 1)
    run.wait(
        lambda: (
            run.count(
                "SELECT count(*) FROM ledger_checkpoints WHERE tree_size = 1 "
                "AND timestamps LIKE '%token%'"
            )
            >= 1
        )
    )
    site.edit("dam-inspection", paragraph=(0, "Inspectors found cracks in the spillway."))
    run.wait(lambda: run.count("SELECT count(*) FROM versions") == 2)
    assert run.stop() == 0
    # The shutdown checkpoint covers everything captured.
    assert run.count("SELECT max(tree_size) FROM ledger_checkpoints") == 2
    checked = newsmon(run.folder, "verify", env=run.env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    summary = checked.stdout.splitlines()[0]
    assert "2 versions" in summary and "0 timestamps" not in summary


def test_an_authority_that_hangs_or_fails_does_not_hold_up_the_crawl(run, site, authority):
    authority.set_mode("hang")
    site.publish(story("ferry-strike"))
    run.start()
    run.wait(lambda: run.count("SELECT count(*) FROM versions") == 1)
    assert authority.wait_for(lambda: authority.requests >= 1)
    # The authority holds its answer; the crawl goes on capturing edits meanwhile.
    site.edit("ferry-strike", paragraph=(0, "The strike ended at dawn."))
    run.wait(lambda: run.count("SELECT count(*) FROM versions") == 2)
    assert not authority.released.is_set()
    authority.set_mode("error500")
    authority.release()
    seen = authority.requests
    assert authority.wait_for(lambda: authority.requests > seen)
    site.edit("ferry-strike", paragraph=(0, "The strike ended at dawn; ferries run again."))
    run.wait(lambda: run.count("SELECT count(*) FROM versions") == 3)
    assert run.stop() == 0
    assert "no timestamp: HTTP 500" in run.log.read_text()
    checked = newsmon(run.folder, "verify", env=run.env)
    assert checked.returncode == 0, checked.stdout + checked.stderr

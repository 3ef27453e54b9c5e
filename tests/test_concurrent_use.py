"""Ordinary use, all at once: `newsmon run`, a monitor polling it, and the CLI beside it.

Each storage-touching surface was once tested alone and was fine; together they lost a
database (closing a stray descriptor of the SQLite file dropped the service's locks, so
a CLI process thought it was alone, checkpointed and deleted the WAL under it). This
test uses them together, as an operator does.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import httpx

from tests.cli_helpers import cli_env, newsmon
from tests.newssite import story
from tests.test_service import FAST
from tests.web_fixtures import free_port

SLUGS = [f"council-{i}" for i in range(6)]
ROUNDS = 2  # rounds of five CLI commands each beside the running service


class Monitor(threading.Thread):
    """Polls /healthz, /metrics and a page, as an uptime check and Prometheus would."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.stopping = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=20) as client:
            while not self.stopping.is_set():
                for path in ("/healthz", "/metrics", "/sources"):
                    try:
                        status = client.get(path).status_code
                    except httpx.HTTPError:
                        status = -1
                    self.statuses[(path, status)] += 1
                self.stopping.wait(0.05)


def deleted_files(pid: int) -> list[str]:
    """Files the process holds open that are gone from the disk (Linux /proc)."""
    gone = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.endswith(" (deleted)") and ".db" in target:
            gone.append(target)
    return gone


def stored_versions(base: str) -> set[tuple[str, int, str]]:
    """(URL, version number, content hash) of every stored version, read through the API."""
    found = set()
    with httpx.Client(base_url=base, timeout=20) as client:
        for article in client.get("/api/articles", params={"limit": 200}).json()["items"]:
            for version in client.get(f"/api/articles/{article['id']}/versions").json():
                found.add((article["url"], version["number"], version["content_hash"]))
    return found


def test_run_with_a_monitor_and_the_cli_beside_it_loses_nothing(
    tmp_path: Path, site, database_url: str
) -> None:
    env = {**cli_env(tmp_path), **FAST, "NEWSMON_DATABASE_URL": database_url}
    for slug in SLUGS:
        site.publish(story(slug, n=4))
    added = newsmon(tmp_path, "sources", "add", "gazette", site.url("/feeds/rss.xml"), env=env)
    assert added.returncode == 0, added.stderr

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "run.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsmon", "run", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=log.open("a"),
    )
    monitor = Monitor(base)
    try:
        assert site.wait_for(lambda: _versions_now(base) >= len(SLUGS), 60), log.read_text()
        monitor.start()
        for round_ in range(ROUNDS):
            site.edit(SLUGS[round_], paragraph=(0, f"The council met again, round {round_}."))
            for args in (
                ("crawl", "--all"),
                ("sources", "list"),
                ("search", "council"),
                ("export", "-o", str(tmp_path / f"export-{round_}.jsonl")),
                ("articles", "--json"),
            ):
                done = newsmon(tmp_path, *args, env=env)
                assert done.returncode == 0, (args, done.stderr[-2000:])
                assert "Traceback" not in done.stderr
                if database_url.startswith("sqlite"):
                    assert deleted_files(proc.pid) == [], (args, deleted_files(proc.pid))
        expected = len(SLUGS) + ROUNDS
        assert site.wait_for(lambda: _versions_now(base) >= expected, 60), log.read_text()
        before_stop = stored_versions(base)
    finally:
        monitor.stopping.set()
        if monitor.is_alive():
            monitor.join(30)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)

    assert code == 0, log.read_text()[-3000:]
    assert "Traceback" not in log.read_text()
    failures = {key: n for key, n in monitor.statuses.items() if key[1] != 200}
    assert failures == {}, failures
    assert sum(monitor.statuses.values()) > 0
    exported = [json.loads(line) for line in (tmp_path / f"export-{ROUNDS - 1}.jsonl").open()]
    assert len(exported) == len(SLUGS)

    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            after = set(
                conn.execute(
                    "SELECT a.url, v.number, v.content_hash FROM versions v "
                    "JOIN articles a ON a.id = v.article_id"
                ).fetchall()
            )
        assert before_stop <= after
        assert len(after) == len(SLUGS) + ROUNDS


def _versions_now(base: str) -> int:
    try:
        text = httpx.get(f"{base}/metrics", timeout=10).text
    except httpx.HTTPError:
        return 0
    for line in text.splitlines():
        if line.startswith("newsmon_versions_stored "):
            return int(float(line.split()[1]))
    return 0

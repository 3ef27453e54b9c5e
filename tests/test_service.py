"""`newsmon run` as a real process: faults, kill -9 and restart, SIGTERM."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.newssite import story
from tests.web_fixtures import free_port

FAST = {
    # A schedule in seconds, so a real process shows days of behaviour in moments.
    "NEWSMON_RECHECK_SCHEDULE": '[["1h", "1s"]]',
    "NEWSMON_FEED_INTERVAL": "2s",
    "NEWSMON_ERROR_BACKOFF": "1s",
    "NEWSMON_ERROR_BACKOFF_CAP": "3s",
    "NEWSMON_DOWNLOAD_DELAY": "0",
    "NEWSMON_ALLOW_NETWORKS": "127.0.0.0/8,::1/128",  # the SSRF guard opens the loopback site
    "NEWSMON_AUTOTHROTTLE": "false",
    "NEWSMON_RETRY_TIMES": "0",
    "NEWSMON_DOWNLOAD_TIMEOUT": "1",
    "NEWSMON_EXTRACT_WORKERS": "1",
    "NEWSMON_LOG_LEVEL": "INFO",
}


class Service:
    """A `newsmon run --no-web` process on its own database."""

    def __init__(self, tmp_path, site, **env: str) -> None:
        self.db_path = tmp_path / "run.db"
        self.env = {
            **os.environ,
            **FAST,
            **env,
            "NEWSMON_DATABASE_URL": f"sqlite:///{self.db_path}",
        }
        self.cwd = tmp_path
        self.site = site
        self.proc: subprocess.Popen[str] | None = None
        self.log = tmp_path / "run.log"

    def add_source(self) -> None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "newsmon",
                "sources",
                "add",
                "gazette",
                self.site.url("/feeds/rss.xml"),
            ],
            env=self.env,
            cwd=self.cwd,
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self, port: int | None = None) -> None:
        web = ["--port", str(port)] if port else ["--no-web"]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "newsmon", "run", *web],
            env=self.env,
            cwd=self.cwd,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("a"),
            text=True,
        )

    def query(self, sql: str, *args: object) -> list[tuple]:
        with sqlite3.connect(self.db_path, timeout=30) as conn:
            return conn.execute(sql, args).fetchall()

    def wait(self, predicate, timeout: float = 40.0) -> None:
        assert self.site.wait_for(predicate, timeout), self.log.read_text()[-3000:]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout)


@pytest.fixture
def service(tmp_path, site):
    svc = Service(tmp_path, site)
    yield svc
    if svc.proc is not None and svc.proc.poll() is None:
        svc.proc.kill()
        svc.proc.wait()


def descendants(pid: int) -> set[int]:
    """Live processes under `pid` (Linux /proc): the extraction workers and their tracker."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":  # a zombie has exited; only its exit status is left
            parents[int(entry)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    still = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                    still.add(pid)
        except OSError:
            continue
    return still


def versions_of(svc: Service, slug: str) -> list[int]:
    rows = svc.query(
        "SELECT v.number FROM versions v JOIN articles a ON a.id = v.article_id "
        "WHERE a.url LIKE ? ORDER BY v.number",
        f"%/{slug}",
    )
    return [n for (n,) in rows]


def test_run_survives_faults_and_picks_up_the_next_change(service, site):
    # Backoff shorter than the 1 s recheck: each faulty check follows the last within about
    # a second, not after 1, 2, 3, 3 ... s; the errors are still counted and backed off.
    service.env.update(NEWSMON_ERROR_BACKOFF="0.2s", NEWSMON_ERROR_BACKOFF_CAP="0.5s")
    site.timeout_seconds = 1.5
    site.publish(story("tunnel-collapse"))
    service.add_source()
    service.start()
    service.wait(lambda: versions_of(service, "tunnel-collapse") == [0])

    for fault in ("500", "timeout", "garbage"):
        site.fault("tunnel-collapse", fault)
        seen = len(site.hits("/news/tunnel-collapse"))
        service.wait(lambda seen=seen: len(site.hits("/news/tunnel-collapse")) >= seen + 2)
    errors = service.query("SELECT c.detail FROM checks c WHERE c.outcome = 'error' ORDER BY c.id")
    details = " | ".join(d for (d,) in errors)
    assert "HTTP 500" in details and "timed out" in details and "empty extraction" in details
    (backoff,) = service.query("SELECT max(consecutive_errors) FROM articles")[0]
    assert backoff >= 2

    site.fault("tunnel-collapse", None)
    site.edit("tunnel-collapse", paragraph=(0, "Rescuers reached the miners on Friday."))
    service.wait(lambda: versions_of(service, "tunnel-collapse") == [0, 1])
    assert service.query("SELECT consecutive_errors FROM articles")[0][0] == 0
    assert service.stop() == 0


def test_kill_9_mid_crawl_then_restart_loses_and_duplicates_nothing(service, site):
    slugs = [f"story-{i:02d}" for i in range(30)]
    for slug in slugs:
        site.publish(story(slug, n=3))
    site.article_delay = 0.15
    service.add_source()
    service.start()
    service.wait(lambda: service.query("SELECT count(*) FROM versions")[0][0] >= 3)
    children = descendants(service.proc.pid)
    assert children, "the extraction workers should be running"
    service.proc.kill()  # SIGKILL, mid-crawl
    service.proc.wait(10)
    deadline = time.monotonic() + 5
    while alive(children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(children), "worker processes outlived their killed parent"

    assert service.query("PRAGMA integrity_check") == [("ok",)]
    stored_before = service.query("SELECT article_id, number, content_hash FROM versions")
    assert 0 < len(stored_before) < len(slugs)
    counts = service.query(
        "SELECT a.version_count, count(v.id) FROM articles a "
        "LEFT JOIN versions v ON v.article_id = a.id GROUP BY a.id"
    )
    assert all(expected == actual for expected, actual in counts)

    site.article_delay = 0.0
    service.start()
    service.wait(
        lambda: (
            service.query("SELECT count(*) FROM articles WHERE version_count = 1")[0][0]
            == len(slugs)
        )
    )
    assert service.stop() == 0
    after = service.query("SELECT article_id, number, content_hash FROM versions")
    assert set(stored_before) <= set(after)  # nothing lost
    assert len(after) == len(slugs)  # nothing duplicated: one version per unedited article
    assert service.query("PRAGMA integrity_check") == [("ok",)]


def test_run_serves_the_web_app_and_sigterm_stops_it_within_seconds(service, site):
    for i in range(10):
        site.publish(story(f"slow-{i}"))
    site.article_delay = 0.5
    service.add_source()
    port = free_port()
    service.start(port)
    service.wait(lambda: len(site.hits("/news/")) >= 2)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/sources", timeout=10) as page:
        assert page.status == 200 and b"gazette" in page.read()
    started = time.monotonic()
    assert service.stop(signal.SIGTERM) == 0
    assert time.monotonic() - started < 8
    log = service.log.read_text()
    assert "received SIGTERM" in log and "stopped" in log
    assert "Traceback" not in log

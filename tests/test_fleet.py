"""Several crawler processes on one database: each due item fetched once, none lost.

Real `newsmon` processes against a real SQLite file or the throwaway PostgreSQL
cluster, and the local news site's request log as the witness.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.newssite import story
from tests.test_service import FAST

ROOT = Path(__file__).resolve().parent.parent
QUIET = {
    **FAST,
    "NEWSMON_RECHECK_SCHEDULE": '[["40d", "1d"]]',  # each article is due once in the test
    "NEWSMON_FEED_INTERVAL": "1h",
    "NEWSMON_DOWNLOAD_TIMEOUT": "30",  # a loaded CI machine must not turn pages into errors
}


def newsmon(*args: str, env: dict[str, str], **kwargs) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "newsmon", *args],
        env={**os.environ, **QUIET, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def finished(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def article_fetches(site) -> Counter[str]:
    return Counter(h.path for h in site.hits("/news/") if h.status == 200)


def add_source(site, env: dict[str, str]) -> None:
    code, _, err = finished(
        newsmon("sources", "add", "gazette", site.url("/feeds/rss.xml"), env=env)
    )
    assert code == 0, err


def test_two_crawls_at_once_on_one_sqlite_file_fetch_each_article_once(site, tmp_path):
    slugs = [f"story-{i:02d}" for i in range(40)]
    for slug in slugs:
        site.publish(story(slug, n=2))
    site.article_delay = 0.05
    env = {"NEWSMON_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}"}
    add_source(site, env)

    first = [newsmon("crawl", env=env, cwd=tmp_path) for _ in range(2)]  # both discover
    results = [finished(p) for p in first]
    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    assert not any("Traceback" in err for _, _, err in results)
    assert len(site.hits("/feeds/rss.xml")) == 1  # the feed is claimed too
    fetched = article_fetches(site)
    assert sorted(fetched) == [f"/news/{s}" for s in slugs] and set(fetched.values()) == {1}

    site.log.clear()
    again = [newsmon("crawl", "--all", env=env, cwd=tmp_path) for _ in range(2)]
    assert [finished(p)[0] for p in again] == [0, 0]
    fetched = article_fetches(site)
    assert len(fetched) == len(slugs) and set(fetched.values()) == {1}
    with sqlite3.connect(tmp_path / "shared.db") as db:
        assert db.execute("SELECT count(*) FROM versions").fetchone() == (len(slugs),)


def test_a_fleet_on_postgresql_shares_the_work_and_survives_a_kill(site, pg_cluster):
    slugs = [f"item-{i:02d}" for i in range(60)]
    for slug in slugs:
        site.publish(story(slug, n=2))
    site.article_delay = 0.2
    url = pg_cluster.create_database()
    env = {"NEWSMON_DATABASE_URL": url, "NEWSMON_LEASE": "4s", "NEWSMON_CONCURRENT_PER_DOMAIN": "3"}
    add_source(site, env)
    db = create_engine(url)

    def query(sql: str) -> list[tuple]:
        with db.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]

    with tempfile.TemporaryDirectory() as cwd:
        fleet = [newsmon("run", "--no-web", env=env, cwd=cwd) for _ in range(3)]
        try:
            assert site.wait_for(lambda: query("SELECT count(*) FROM versions")[0][0] >= 6, 90)
            victim = fleet[0]
            (owner,) = query(f"SELECT id FROM crawler_heartbeats WHERE pid = {victim.pid}")[0]
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
            orphaned = {
                row[0].rsplit("/", 1)[1]
                for row in query(f"SELECT url FROM articles WHERE lease_owner = {owner}")
            }
            done = "SELECT count(*) FROM articles WHERE version_count = 1"
            assert site.wait_for(lambda: query(done)[0][0] == len(slugs), 90)
        finally:
            for proc in fleet[1:]:
                proc.send_signal(signal.SIGTERM)
            codes = [proc.wait(30) for proc in fleet[1:]]
            db.dispose()
    assert codes == [0, 0]
    fetched = article_fetches(site)
    assert sorted(fetched) == sorted(f"/news/{s}" for s in slugs)
    twice = {path.rsplit("/", 1)[1] for path, n in fetched.items() if n > 1}
    assert twice <= orphaned  # only pages the killed crawler held were fetched again
    assert len(site.hits("/feeds/rss.xml")) == 1


@pytest.mark.sqlite_only
def test_a_full_disk_stops_the_crawl_with_one_line_and_loses_nothing(site, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill (needs root): {mounted.stderr!r}")
    try:
        for i in range(40):
            site.publish(story(f"story-{i:02d}", n=8))
        env = {"NEWSMON_DATABASE_URL": f"sqlite:///{disk / 'n.db'}"}
        add_source(site, env)
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        (disk / "filler").write_bytes(b"\0" * (free - 200_000))  # room for a few pages only

        code, _, err = finished(newsmon("crawl", env=env, cwd=tmp_path))

        assert code == 1 and "Traceback" not in err, err
        last = err.strip().splitlines()[-1]
        assert (
            last == "newsmon: error: cannot write to the database: the disk is full; crawl stopped"
        )
        said = [line for line in err.splitlines() if "disk is full" in line]
        assert len(said) == 2, err  # the writer's one log line, then the command's error
        (disk / "filler").unlink()
        conn = sqlite3.connect(disk / "n.db")
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            counts = conn.execute(
                "SELECT a.version_count, count(v.id) FROM articles a "
                "LEFT JOIN versions v ON v.article_id = a.id GROUP BY a.id"
            ).fetchall()
        finally:
            conn.close()
        assert all(expected == actual for expected, actual in counts)
    finally:
        for _ in range(20):
            if subprocess.run(["umount", str(disk)], capture_output=True).returncode == 0:
                break
            time.sleep(0.2)

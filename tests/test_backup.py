"""`newsmon db backup` and `newsmon db restore`: copies taken under a running service,
restored elsewhere, refused where they would destroy evidence."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from newsmon.storage.backup import backup
from newsmon.storage.pgbackup import find_tool
from tests.cli_helpers import cli_env, newsmon, one_error_line
from tests.newssite import story
from tests.test_service import Service, versions_of

VERSIONS_SQL = (
    "SELECT a.url, v.number, v.content_hash FROM versions v JOIN articles a ON a.id = v.article_id"
)


CHECKPOINTS_SQL = "SELECT tree_size, root FROM ledger_checkpoints ORDER BY id"


def sqlite_rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def stored(url: str) -> set[tuple]:
    """Every version at `url` as (article URL, number, content hash, headline, text)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT a.url, v.number, v.content_hash, v.title, v.text FROM versions v "
                    "JOIN articles a ON a.id = v.article_id"
                )
            )
            return {tuple(row) for row in rows}
    finally:
        engine.dispose()


def consistent(path: Path) -> bool:
    """Every article's version_count matches its versions: no half-copied transaction."""
    rows = sqlite_rows(
        path,
        "SELECT a.version_count, count(v.id) FROM articles a "
        "LEFT JOIN versions v ON v.article_id = a.id GROUP BY a.id",
    )
    return bool(rows) and all(expected == actual for expected, actual in rows)


@pytest.fixture
def service(tmp_path, site):
    svc = Service(tmp_path, site, NEWSMON_CHECKPOINT_INTERVAL="1s")
    yield svc
    if svc.proc is not None and svc.proc.poll() is None:
        svc.proc.kill()
        svc.proc.wait()


def test_backup_under_a_running_service_is_the_database_as_the_backup_began(
    service, site, tmp_path
):
    slugs = [f"harbour-{i:02d}" for i in range(12)]
    for slug in slugs:
        site.publish(story(slug, n=4))
    service.add_source()
    service.start()
    service.wait(lambda: service.query("SELECT count(*) FROM versions")[0][0] == len(slugs))
    service.wait(
        lambda: service.query("SELECT max(tree_size) FROM ledger_checkpoints")[0][0] == len(slugs)
    )
    at_start = set(service.query(VERSIONS_SQL))

    def service_stores_an_edit(done: int, total: int) -> None:
        """Mid-copy (one page a step), the service commits a new version."""
        if done == 1:
            site.edit(slugs[0], paragraph=(0, "The harbour reopened on Wednesday."))
            service.wait(lambda: versions_of(service, slugs[0]) == [0, 1])

    copy = tmp_path / "snapshot.db"
    outcome = backup(
        service.env["NEWSMON_DATABASE_URL"], copy, progress=service_stores_an_edit, step_pages=1
    )

    assert sqlite_rows(copy, "PRAGMA integrity_check") == [("ok",)]
    assert set(sqlite_rows(copy, VERSIONS_SQL)) == at_start  # none lost, none half-written
    assert outcome.versions == len(at_start)
    assert consistent(copy)

    # The command, while the service goes on writing: it holds the edit too.
    env = cli_env(tmp_path, NEWSMON_DATABASE_URL=service.env["NEWSMON_DATABASE_URL"])
    done = newsmon(tmp_path, "db", "backup", "nightly.db", env=env)
    assert done.returncode == 0, done.stderr
    assert f"backed up {len(at_start) + 1} version(s)" in done.stdout
    nightly = tmp_path / "nightly.db"
    assert sqlite_rows(nightly, "PRAGMA integrity_check") == [("ok",)]
    in_nightly = set(sqlite_rows(nightly, VERSIONS_SQL))
    assert at_start < in_nightly and consistent(nightly)
    # The copy proves itself: `newsmon verify` (the service's key, in this folder) passes.
    copy_env = cli_env(tmp_path, NEWSMON_DATABASE_URL=f"sqlite:///{nightly}")
    verified = newsmon(tmp_path, "verify", env=copy_env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    roots = sqlite_rows(nightly, CHECKPOINTS_SQL)
    assert roots and max(size for size, _ in roots) >= len(slugs)

    # The service was not held up: it stores the next edit, and stops cleanly.
    site.edit(slugs[1], paragraph=(0, "Ferries ran again by noon."))
    service.wait(lambda: versions_of(service, slugs[1]) == [0, 1])
    assert service.stop() == 0
    assert "Traceback" not in service.log.read_text()

    # Restored into a fresh place: the same versions, the same hashes.
    fresh = tmp_path / "fresh" / "restored.db"
    fresh.parent.mkdir()
    env = cli_env(tmp_path, NEWSMON_DATABASE_URL=f"sqlite:///{fresh}")
    done = newsmon(tmp_path, "db", "restore", str(nightly), env=env)
    assert done.returncode == 0, done.stderr
    assert f"restored {len(in_nightly)} version(s) of {len(slugs)} article(s)" in done.stdout
    assert f"ledger: {len(in_nightly)} versions and {len(roots)} checkpoints verified" in (
        done.stdout
    )
    assert set(sqlite_rows(fresh, VERSIONS_SQL)) == in_nightly
    assert sqlite_rows(fresh, CHECKPOINTS_SQL) == roots  # the same signed roots
    # ...and newsmon reads it: the CLI lists the edited article's two versions.
    listed = newsmon(tmp_path, "versions", site.url(f"/news/{slugs[0]}"), "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    texts = [v["text"] for v in json.loads(listed.stdout)]
    assert len(texts) == 2 and "The harbour reopened on Wednesday." in texts[1]


def crawl_stories(site, crawler, add_feed, clock) -> None:
    """Three stories, one edited: four versions."""
    for slug in ("tram-strike", "dam-report", "mayor-race"):
        site.publish(story(slug))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    clock.advance(hours=1)
    site.edit("dam-report", title="Dam report delayed again")
    assert crawler.once(everything=True).articles_changed == 1


def empty_database(database_url: str, pg_cluster_getter, tmp_path: Path, name: str) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / name}"
    return pg_cluster_getter().create_database()


def needs_pg_tools(database_url: str) -> None:
    if database_url.startswith("postgresql"):
        for tool in ("pg_dump", "pg_restore"):
            if find_tool(tool) is None:
                pytest.skip(f"{tool} is missing: apt-get install postgresql-client")


def test_round_trip_restores_the_same_versions_and_refuses_to_overwrite_without_force(
    site, crawler, add_feed, clock, database_url, tmp_path, request
):
    needs_pg_tools(database_url)
    crawl_stories(site, crawler, add_feed, clock)
    original = stored(database_url)
    assert len(original) == 4

    env = cli_env(tmp_path, NEWSMON_DATABASE_URL=database_url)
    done = newsmon(tmp_path, "db", "backup", "copy.bak", env=env)
    assert done.returncode == 0, done.stderr
    assert "backed up 4 version(s)" in done.stdout

    target = empty_database(
        database_url, lambda: request.getfixturevalue("pg_cluster"), tmp_path, "target.db"
    )
    env = cli_env(tmp_path, NEWSMON_DATABASE_URL=target)
    done = newsmon(tmp_path, "db", "restore", "copy.bak", env=env)
    assert done.returncode == 0, done.stderr
    assert "restored 4 version(s) of 3 article(s) from 1 source(s)" in done.stdout
    assert stored(target) == original

    # The target now holds evidence: not replaced without --force.
    refused = one_error_line(newsmon(tmp_path, "db", "restore", "copy.bak", env=env))
    assert "holds 4 version(s)" in refused and "--force" in refused
    done = newsmon(tmp_path, "db", "restore", "copy.bak", "--force", env=env)
    assert done.returncode == 0, done.stderr
    assert stored(target) == original


def damaged_copies(good: Path, tmp_path: Path, *, sqlite: bool) -> list[Path]:
    """The good backup damaged inside, and a file that is no database."""
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"these are not the pages you are looking for\n" * 200)
    data = bytearray(good.read_bytes())  # a closed backup file, no connection to it
    damaged = tmp_path / "damaged.bak"
    if sqlite:
        page = 4096
        data[page * 2 : page * 4] = b"\xa5" * (page * 2)  # two b-tree pages overwritten
    else:
        data = data[:-64]  # a dump cut short in its last table data
    damaged.write_bytes(bytes(data))
    return [damaged, junk]


def test_a_bad_backup_is_one_error_line_and_leaves_the_target_untouched(
    site, crawler, add_feed, clock, database_url, tmp_path
):
    needs_pg_tools(database_url)
    crawl_stories(site, crawler, add_feed, clock)
    good = tmp_path / "good.bak"
    backup(database_url, good)
    before = stored(database_url)

    env = cli_env(tmp_path, NEWSMON_DATABASE_URL=database_url)
    sqlite = database_url.startswith("sqlite")
    for bad in damaged_copies(good, tmp_path, sqlite=sqlite):
        done = newsmon(tmp_path, "db", "restore", str(bad), "--force", env=env)
        assert stored(database_url) == before, bad.name
        if sqlite:
            assert sqlite_rows(Path(database_url[10:]), "PRAGMA integrity_check") == [("ok",)]
        line = one_error_line(done)
        assert bad.name in line, line
    done = newsmon(tmp_path, "db", "restore", str(tmp_path / "absent.bak"), env=env)
    assert "there is no backup at" in one_error_line(done)


def test_pg_dump_is_found_in_debians_versioned_folder_when_not_on_the_path(monkeypatch, tmp_path):
    if not list(Path("/usr/lib/postgresql").glob("*/bin/pg_dump")):
        pytest.skip("no /usr/lib/postgresql/N/bin/pg_dump: apt-get install postgresql-client")
    monkeypatch.setenv("PATH", str(tmp_path))
    found = find_tool("pg_dump")
    assert found is not None and found.parts[:3] == ("/", "usr", "lib")

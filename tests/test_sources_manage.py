"""Sources the way users think of them, on the command line: OPML in and out, starter
sources that step aside for the user's own, pausing a source or one feed."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_helpers import cli_env, newsmon

FEEDS = {
    "gazette": ["http://127.0.0.1:9/feeds/rss.xml", "http://127.0.0.1:9/sitemap.xml"],
    "courier": ["http://127.0.0.1:9/courier/atom.xml"],
}


def watched(tmp_path: Path, env: dict[str, str]) -> dict[str, list[str]]:
    listed = newsmon(tmp_path, "sources", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    return {s["slug"]: sorted(f["url"] for f in s["feeds"]) for s in json.loads(listed.stdout)}


def test_opml_round_trip_keeps_every_feed_with_its_source(tmp_path: Path) -> None:
    first = cli_env(tmp_path)
    for slug, urls in FEEDS.items():
        added = newsmon(tmp_path, "sources", "add", slug, *urls, "--name", slug.title(), env=first)
        assert added.returncode == 0, added.stderr
    exported = newsmon(tmp_path, "sources", "export", "--opml", "-o", "out.opml", env=first)
    assert exported.returncode == 0, exported.stderr
    fresh = cli_env(tmp_path, NEWSMON_DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.db'}")
    imported = newsmon(tmp_path, "sources", "import", "out.opml", env=fresh)
    assert imported.returncode == 0, imported.stderr
    assert watched(tmp_path, fresh) == {k: sorted(v) for k, v in FEEDS.items()}
    again = newsmon(tmp_path, "sources", "import", "out.opml", env=fresh)  # idempotent
    assert again.returncode == 0 and "0 feeds added" in again.stdout


def test_a_feed_readers_opml_is_grouped_by_site(tmp_path: Path) -> None:
    (tmp_path / "reader.opml").write_text(
        '<?xml version="1.0"?><opml version="1.0"><head><title>Miniflux</title></head><body>'
        '<outline text="News"><outline type="rss" text="Gazette top" '
        'xmlUrl="https://www.gazette.example/rss/top.xml"/><outline type="rss" '
        'text="Gazette world" xmlUrl="https://www.gazette.example/rss/world.xml"/></outline>'
        '<outline type="rss" text="Bad" xmlUrl="javascript:alert(1)"/></body></opml>'
    )
    done = newsmon(tmp_path, "sources", "import", "reader.opml")
    assert done.returncode == 0, done.stderr
    assert "skipped" in done.stderr
    assert watched(tmp_path, cli_env(tmp_path)) == {
        "gazette-example": [
            "https://www.gazette.example/rss/top.xml",
            "https://www.gazette.example/rss/world.xml",
        ]
    }


def test_starter_sources_step_aside_for_the_users_own(tmp_path: Path) -> None:
    own = newsmon(tmp_path, "sources", "add", "gazette", "http://127.0.0.1:9/feeds/rss.xml")
    assert own.returncode == 0, own.stderr
    refused = newsmon(tmp_path, "sources", "add", "--starter")
    assert refused.returncode == 1 and "only while no other source exists" in refused.stderr
    assert list(watched(tmp_path, cli_env(tmp_path))) == ["gazette"]


def test_remove_starter_removes_them_all_and_nothing_else(tmp_path: Path) -> None:
    starters = newsmon(tmp_path, "sources", "add", "--starter")
    assert starters.returncode == 0 and "starter" in starters.stdout
    own = newsmon(tmp_path, "sources", "add", "gazette", "http://127.0.0.1:9/feeds/rss.xml")
    assert "sources remove --starter" in own.stdout  # says the starters are still there
    assert len(watched(tmp_path, cli_env(tmp_path))) > 1
    removed = newsmon(tmp_path, "sources", "remove", "--starter")
    assert removed.returncode == 0, removed.stderr
    assert list(watched(tmp_path, cli_env(tmp_path))) == ["gazette"]


def test_pause_resume_and_remove_one_feed(tmp_path: Path) -> None:
    rss, atom = "http://127.0.0.1:9/feeds/rss.xml", "http://127.0.0.1:9/feeds/atom.xml"
    assert newsmon(tmp_path, "sources", "add", "gazette", rss, atom).returncode == 0
    assert "paused" in newsmon(tmp_path, "sources", "pause", "gazette").stdout
    assert "paused" in newsmon(tmp_path, "sources", "pause", atom).stdout
    listed = json.loads(newsmon(tmp_path, "sources", "list", "--json").stdout)[0]
    assert not listed["enabled"]
    assert [f["paused"] for f in listed["feeds"]] == [False, True]
    assert "resumed" in newsmon(tmp_path, "sources", "resume", "gazette").stdout
    removed = newsmon(tmp_path, "sources", "remove-feed", atom)
    assert removed.returncode == 0 and "1 feed left" in removed.stdout
    assert watched(tmp_path, cli_env(tmp_path)) == {"gazette": [rss]}

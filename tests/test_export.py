"""Exports for researchers, from real crawls of the local news site, read back with the
tools a researcher would use: warcio and pywb for the WARC, the csv module for the CSV."""

from __future__ import annotations

import csv
import html
import json
from importlib.metadata import version as package_version
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from newsmon.storage.models import Article, Version
from newsmon.storage.rawpages import raw_of
from tests.cli_helpers import cli_env, newsmon
from tests.newssite import story
from tests.pywb_replay import INSTALL, pywb_python, replay


def crawl_two_stories(site, crawler, add_feed, clock) -> None:
    """Two stories, one edited twice: 4 versions in all."""
    site.publish(story("harbour-fire"))
    site.publish(story("council-vote", title='=HYPERLINK("http://evil.example")'))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    for n, text in enumerate(("The fire spread to a second warehouse.", "Crews put it out.")):
        clock.advance(hours=1)
        site.edit("harbour-fire", paragraph=(1, text))
        assert crawler.once(everything=True).articles_changed == 1, n


def stored_versions(db) -> dict[tuple[str, int], Version]:
    db.expire_all()
    rows = db.execute(select(Article.url, Version).join(Version.article)).all()
    return {(url, version.number): version for url, version in rows}


def export_warc(tmp_path, config) -> Path:
    env = cli_env(tmp_path, NEWSMON_DATABASE_URL=config.database_url)
    done = newsmon(tmp_path, "export", "--format", "warc", "-o", "out.warc.gz", env=env)
    assert done.returncode == 0, done.stderr
    assert "exported 4 version(s)" in done.stderr
    return tmp_path / "out.warc.gz"


def test_warc_holds_every_version_raw_and_extracted(
    site, crawler, add_feed, clock, db, config, tmp_path
):
    """Every version is a response (the page) and a metadata record (what newsmon read)
    that has a target of its own, so a replay tool looking up the page's URL and date
    finds the page, and that names the response it describes."""
    crawl_two_stories(site, crawler, add_feed, clock)
    stored = stored_versions(db)
    assert len(stored) == 4
    warc = export_warc(tmp_path, config)

    responses, metadata, kinds = {}, {}, []
    with open(warc, "rb") as stream:
        for record in ArchiveIterator(stream):
            kind = record.rec_type
            kinds.append(kind)
            if kind == "warcinfo":
                info = record.content_stream().read().decode("utf-8")
                filename = record.rec_headers.get_header("WARC-Filename")
            elif kind == "response":
                uri = record.rec_headers.get_header("WARC-Target-URI")
                date = record.rec_headers.get_header("WARC-Date")
                responses[record.rec_headers.get_header("WARC-Record-ID")] = (
                    uri,
                    date,
                    record.http_headers.get_statuscode(),
                    record.http_headers.get_header("Content-Type"),
                    record.http_headers.get_header("X-Newsmon-Headers"),
                    record.content_stream().read(),
                )
            elif kind == "metadata":
                data = json.loads(record.content_stream().read())
                headers = record.rec_headers
                metadata[(data["url"], data["version"])] = (
                    data,
                    headers.get_header("WARC-Target-URI"),
                    headers.get_header("WARC-Refers-To"),
                    headers.get_header("WARC-Concurrent-To"),
                )

    # the file says first what made it
    assert kinds[0] == "warcinfo" and kinds.count("warcinfo") == 1
    assert f"software: newsmon/{package_version('newsmon')}" in info
    assert "format: WARC File Format 1.0" in info
    assert filename == "out.warc.gz"
    assert set(metadata) == set(stored)
    assert len(responses) == 4
    targets = set()
    for key, version in stored.items():
        data, target, refers_to, concurrent = metadata[key]
        assert refers_to == concurrent and refers_to in responses
        uri, date, status, content_type, note, body = responses[refers_to]
        assert uri == key[0]
        # not the page's URL: the JSON must not shadow the page in a replay tool
        assert target != uri and target.startswith("urn:newsmon:")
        targets.add(target)
        assert body == raw_of(db, version)  # the page exactly as stored
        assert date == version.captured_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert status == "200" and content_type.startswith("text/html")
        assert "reconstructed" in note
        assert (data["title"], data["text"], data["content_hash"]) == (
            version.title,
            version.text,
            version.content_hash,
        )
    assert len(targets) == 4  # one per version


@pytest.mark.sqlite_only  # the same export as the test above, which runs on both
def test_pywb_replays_the_page_of_every_version(
    site, crawler, add_feed, clock, db, config, tmp_path
):
    """pywb, given the export, serves each version's page as stored at its capture time:
    the HTML with that version's headline and text, not newsmon's JSON."""
    python = pywb_python()
    if python is None:
        pytest.skip(INSTALL)
    crawl_two_stories(site, crawler, add_feed, clock)
    stored = stored_versions(db)
    harbour = [v for (url, _), v in stored.items() if url.endswith("harbour-fire")]
    assert len(harbour) == 3  # the article with several versions
    warc = export_warc(tmp_path, config)
    replays = tmp_path / "pywb"
    replays.mkdir()
    with replay(python, warc, replays) as collection, httpx.Client() as client:
        for (url, number), version in sorted(stored.items()):
            stamp = version.captured_at.strftime("%Y%m%d%H%M%S")
            page = client.get(f"{collection}{stamp}id_/{url}")
            assert page.status_code == 200, (url, number)
            assert page.headers["content-type"].startswith("text/html"), (url, number)
            assert page.content == raw_of(db, version), (url, number)
            assert f"<h1>{html.escape(version.title)}</h1>" in page.text, (url, number)


@pytest.mark.sqlite_only  # the same streaming query as the WARC test, which runs on both
def test_csv_opens_with_one_row_per_version(site, crawler, add_feed, clock, db, config, tmp_path):
    crawl_two_stories(site, crawler, add_feed, clock)
    stored = stored_versions(db)
    env = cli_env(tmp_path, NEWSMON_DATABASE_URL=config.database_url)
    done = newsmon(tmp_path, "export", "--format", "csv", env=env)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(done.stdout.splitlines(keepends=True)))
    assert sorted((r["url"], int(r["version"])) for r in rows) == sorted(stored)
    harbour = [r for r in rows if r["url"].endswith("harbour-fire")]
    assert harbour[2]["text"] == stored[(harbour[2]["url"], 2)].text
    assert {r["source"] for r in rows} == {"gazette"}
    # a headline that a spreadsheet would run as a formula is made inert
    assert all(not r["title"].startswith("=") for r in rows)
    assert any(r["title"].startswith("'=HYPERLINK") for r in rows)


@pytest.mark.sqlite_only  # the same streaming query as the WARC test, which runs on both
def test_jsonl_since_and_source_filter(site, crawler, add_feed, clock, config, tmp_path):
    crawl_two_stories(site, crawler, add_feed, clock)
    env = cli_env(tmp_path, NEWSMON_DATABASE_URL=config.database_url)
    since = clock.now().isoformat()  # only the last edit was captured at this time
    done = newsmon(tmp_path, "export", "--source", "gazette", "--since", since, env=env)
    assert done.returncode == 0, done.stderr
    articles = [json.loads(line) for line in done.stdout.splitlines()]
    assert [[v["number"] for v in a["versions"]] for a in articles] == [[2]]
    assert "Crews put it out." in articles[0]["versions"][0]["text"]

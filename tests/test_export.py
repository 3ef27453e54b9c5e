"""Exports for researchers, from real crawls of the local news site, read back with the
tools a researcher would use: warcio for the WARC, the csv module for the CSV."""

from __future__ import annotations

import csv
import json
import zlib

import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from newsmon.storage.models import Article, Version
from tests.cli_helpers import cli_env, newsmon
from tests.newssite import story


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


def test_warc_holds_every_version_raw_and_extracted(
    site, crawler, add_feed, clock, db, config, tmp_path
):
    crawl_two_stories(site, crawler, add_feed, clock)
    stored = stored_versions(db)
    assert len(stored) == 4
    env = cli_env(tmp_path, NEWSMON_DATABASE_URL=config.database_url)
    done = newsmon(tmp_path, "export", "--format", "warc", "-o", "out.warc.gz", env=env)
    assert done.returncode == 0, done.stderr
    assert "exported 4 version(s)" in done.stderr

    responses, metadata = {}, {}
    with open(tmp_path / "out.warc.gz", "rb") as stream:
        for record in ArchiveIterator(stream):
            kind = record.rec_type
            if kind == "response":
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
                concurrent = record.rec_headers.get_header("WARC-Concurrent-To")
                metadata[(data["url"], data["version"])] = (data, concurrent)

    assert set(metadata) == set(stored)
    assert len(responses) == 4
    for key, version in stored.items():
        data, concurrent = metadata[key]
        uri, date, status, content_type, note, body = responses[concurrent]
        assert uri == key[0]
        assert body == zlib.decompress(version.raw_html)  # the page exactly as stored
        assert date == version.captured_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert status == "200" and content_type.startswith("text/html")
        assert "reconstructed" in note
        assert (data["title"], data["text"], data["content_hash"]) == (
            version.title,
            version.text,
            version.content_hash,
        )


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

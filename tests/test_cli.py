"""The `newsmon` command as a user runs it: a real process, a real SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import cli_env, newsmon, one_error_line
from tests.newssite import story

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def run(tmp_path):
    env = cli_env(tmp_path)

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "newsmon", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if ok:
            assert done.returncode == 0, done.stderr
        return done

    return run


def test_add_crawl_query_and_diff(site, run):
    site.publish(story("library-cuts"))
    run("sources", "add", "gazette", site.url("/feeds/rss.xml"), "--name", "Loopback Gazette")
    assert "gazette" in run("sources", "list").stdout

    summary = run("crawl").stdout.strip().splitlines()[-1]
    assert summary.startswith(
        "feeds polled 1 (0 failed), articles new 1, checked 1: first captured 1, changed 0"
    )

    site.edit("library-cuts", paragraph=(1, "The library will now close on Sundays only."))
    assert "changed 1" in run("crawl", "--all").stdout

    articles = json.loads(run("articles", "--json").stdout)
    assert [(a["source"], a["version_count"], a["status"]) for a in articles] == [
        ("gazette", 2, "active")
    ]
    assert {"url", "title", "first_seen_at", "last_changed_at"} <= set(articles[0])

    utm_url = site.url("/news/library-cuts?utm_source=twitter")
    versions = json.loads(run("versions", utm_url, "--json").stdout)
    assert [v["number"] for v in versions] == [0, 1]
    assert "close on Sundays only" in versions[1]["text"]
    assert len(versions[0]["content_hash"]) == 64

    plain = run("diff", utm_url, "0", "1").stdout
    assert "{+" in plain and "Sundays" in plain and "\x1b[" not in plain
    coloured = run("diff", utm_url, "0", "1", "--color").stdout
    assert "\x1b[32;4m" in coloured

    exported = [json.loads(line) for line in run("export").stdout.splitlines()]
    assert [len(a["versions"]) for a in exported] == [2]
    assert "close on Sundays only" in exported[0]["versions"][1]["text"]


def test_extract_a_saved_page(tmp_path, run):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Dam bursts</title></head><body><article><h1>Dam bursts</h1>"
        "<p>The dam burst at dawn and the valley flooded within an hour.</p>"
        "<p>Advertisement</p></article></body></html>",
        "utf-8",
    )
    result = json.loads(run("extract", str(page), "--json").stdout)
    assert result["title"] == "Dam bursts"
    assert result["text"] == "The dam burst at dawn and the valley flooded within an hour."


def test_extract_fetches_a_url_through_the_guard(site, tmp_path, run):
    site.publish(story("ferry-strike"))
    page = json.loads(run("extract", site.url("/news/ferry-strike"), "--json").stdout)
    assert "Paragraph 1 of the ferry-strike report" in page["text"]
    # The same address with loopback not opened: refused before any request is made.
    hits = len(site.hits("/news/ferry-strike"))
    shut = cli_env(tmp_path, NEWSMON_ALLOW_NETWORKS="")
    done = newsmon(tmp_path, "extract", site.url("/news/ferry-strike"), env=shut)
    assert "cannot fetch" in one_error_line(done) and "127.0.0.1" in done.stderr
    assert "allow_networks (NEWSMON_ALLOW_NETWORKS)" in done.stderr  # how to open it
    assert len(site.hits("/news/ferry-strike")) == hits


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sources", "remove", "nosuch"), "unknown source 'nosuch'"),
        (("sources", "add", "x", "ftp://example.org/feed"), "not an http(s) URL"),
        (("sources", "add", "x", "http://[::1/feed"), "bad IPv6 address in URL"),
        (("versions", "https://example.org/none"), "no article known"),
        (("--db", "sqlite:////no/such/dir/x.db", "articles"), "folder /no/such/dir does not exist"),
        (("--db", "postgresql://nobody@127.0.0.1:1/x", "articles"), "cannot"),
        (("articles", "--source", "nosuch"), "unknown source"),
        (("extract", "/no/such/file.html"), "no such file"),
    ],
)
def test_user_errors_are_one_line_without_traceback(run, args, message):
    done = run(*args, ok=False)
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_scrapy_list_shows_the_spiders():
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["watch"]

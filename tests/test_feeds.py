"""Feed robustness over feedparser's own well-formed and ill-formed test feeds."""

from __future__ import annotations

import re

import feedparser
import pytest

from newsmon.core.urls import is_fetchable
from newsmon.discover.feeds import parse_feed
from tests.data import FEEDS

FILES = sorted(FEEDS.rglob("*.xml")) if FEEDS.exists() else []
HEADERS = {"content-type": "application/xml"}


def test_shared_feed_samples_are_present():
    if not FILES:
        pytest.skip(f"shared feed samples not found at {FEEDS}")
    assert len(FILES) >= 40


MISSING = pytest.param(
    None, marks=pytest.mark.skip(reason=f"shared feed samples not found at {FEEDS}"), id="missing"
)


@pytest.mark.parametrize("path", FILES or [MISSING], ids=lambda p: str(p.relative_to(FEEDS)))
def test_every_feed_parses_without_an_exception(path):
    result = parse_feed(path.read_bytes(), url="http://example.org/feed", headers=HEADERS)
    reference = feedparser.parse(path.read_bytes(), response_headers=HEADERS)
    assert all(is_fetchable(e.url) for e in result.entries)
    if reference.bozo:  # what feedparser calls malformed, we report (and keep what it read)
        assert result.error or result.warnings
    if "wellformed" in path.parts:
        assert result.error is None, result.error
        linked = {e.get("link") for e in reference.entries if e.get("link", "").startswith("http")}
        assert len(result.entries) >= len(linked)
        assert len(result.entries) + result.skipped == len(reference.entries)


def test_a_feed_with_links_yields_them_with_dates():
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>One</title><link>https://x.org/1?utm_source=rss</link>
    <pubDate>Tue, 10 Jun 2025 04:00:00 GMT</pubDate></item>
    <item><title>Bad</title><link>javascript:alert(1)</link></item>
    <item><title>Dup</title><link>https://x.org/1#frag</link></item></channel></rss>"""
    result = parse_feed(rss, url="https://x.org/feed", headers=HEADERS)
    assert [e.url for e in result.entries] == ["https://x.org/1"]
    assert result.entries[0].published_at.isoformat() == "2025-06-10T04:00:00+00:00"
    assert result.skipped == 1


def test_not_a_feed_is_an_error():
    result = parse_feed(b"<html><body>hello</body></html>", url="https://x.org/", headers={})
    assert result.error and not result.entries


TITLE = re.compile(rb"(<(?:\w+:)?title\b[^>/]*>)")
TITLED = [p for p in FILES if "wellformed" in p.parts and TITLE.search(p.read_bytes())]


@pytest.mark.parametrize("path", TITLED, ids=lambda p: str(p.relative_to(FEEDS)))
def test_a_poisoned_title_costs_nothing(path):
    body = path.read_bytes()
    poisoned = TITLE.sub(lambda m: m[1] + b"&#xD800;\x00&#0;", body, count=1)
    clean = parse_feed(body, url="http://example.org/feed", headers=HEADERS)
    result = parse_feed(poisoned, url="http://example.org/feed", headers=HEADERS)
    assert [e.url for e in result.entries] == [e.url for e in clean.entries]
    assert result.error == clean.error
    texts = [result.title or ""] + [e.title or "" for e in result.entries]
    assert not any("\x00" in t or any("\ud800" <= c <= "\udfff" for c in t) for t in texts)


def test_entries_come_newest_first_then_undated_in_document_order():
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><link>https://x.org/undated-1</link></item>
    <item><link>https://x.org/old</link><pubDate>Mon, 09 Jun 2025 04:00:00 GMT</pubDate></item>
    <item><link>https://x.org/undated-2</link></item>
    <item><link>https://x.org/new</link><pubDate>Wed, 11 Jun 2025 04:00:00 GMT</pubDate></item>
    </channel></rss>"""
    result = parse_feed(rss, url="https://x.org/feed", headers=HEADERS)
    assert [e.url.rsplit("/", 1)[1] for e in result.entries] == [
        "new",
        "old",
        "undated-1",
        "undated-2",
    ]


def test_rejected_entries_are_listed_with_their_reasons():
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>ok</title><link>https://x.org/1</link></item>
    <item><title>js</title><link>javascript:alert(1)</link></item>
    <item><title>none</title></item>
    <item><title>port</title><link>http://x.org:99999/a</link></item></channel></rss>"""
    result = parse_feed(rss, url="https://x.org/feed", headers=HEADERS)
    assert result.rejected == (
        ("javascript:alert(1)", "not an http(s) URL"),
        ("", "entry has no link"),
        ("http://x.org:99999/a", "bad port"),
    )
    assert result.skipped == 3

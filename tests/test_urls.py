"""Canonical URLs: tracking junk and fragments go, everything that routes stays."""

from __future__ import annotations

import pytest

from newsmon.urls import BadURL, canonicalize, is_fetchable


def test_tracking_parameters_and_fragment_are_dropped():
    url = "HTTPS://News.Example.COM:443/a/b?id=5&utm_source=rss&utm_medium=x&fbclid=1#comments"
    assert canonicalize(url) == "https://news.example.com/a/b?id=5"


def test_meaningful_query_is_kept_in_order():
    assert canonicalize("http://x.org/story?b=2&a=1") == "http://x.org/story?b=2&a=1"


def test_relative_links_resolve_against_the_feed():
    assert canonicalize("/news/1", "https://x.org/feed.xml") == "https://x.org/news/1"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://x.org/a", "mailto:a@b", "http://"]
)
def test_only_http_urls_are_fetched(url):
    assert not is_fetchable(url)
    with pytest.raises(BadURL):
        canonicalize(url)

"""Canonical URLs: tracking junk and fragments go, everything that routes stays."""

from __future__ import annotations

import pytest

from newsmon.core.urls import (
    BadURL,
    canonical_or_none,
    canonicalize,
    former_canonical,
    is_fetchable,
)


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


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("HTTP://[0:0:0:0:0:0:0:1]:80/x", "http://[::1]/x"),
        ("https://[2001:DB8::1]/a?b=1", "https://[2001:db8::1]/a?b=1"),
        ("http://bücher.example/ä", "http://xn--bcher-kva.example/%C3%A4"),
        ("http://News.EXAMPLE.org./a", "http://news.example.org/a"),
        ("http://2130706433/", "http://127.0.0.1/"),
        ("http://0x7f.1/", "http://127.0.0.1/"),
        ("http://017700000001/", "http://127.0.0.1/"),
        ("http://127.1/", "http://127.0.0.1/"),
        ("http://x.org:8080", "http://x.org:8080/"),
    ],
)
def test_every_valid_host_form_has_one_canonical_spelling(url, canonical):
    assert canonicalize(url) == canonical
    assert canonicalize(canonical) == canonical  # idempotent


def test_relative_links_resolve_against_an_ipv6_base():
    assert canonicalize("/b", "http://[::1]:8080/feed") == "http://[::1]:8080/b"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[fe80::1%25eth0]/", "IPv6 zone ids are not allowed in URLs"),
        ("http://[::1:8080/x", "bad IPv6 address in URL"),
        ("http://[::g]/", "bad IPv6 address in URL"),
        ("http://user:secret@x.org/", "URL carries a user name or password"),
        ("http://@x.org/", "URL carries a user name or password"),
        ("http://x.org:99999/", "bad port"),
        ("http://x.org:0/", "bad port"),
        ("http://x.org:8o/", "bad port"),
        ("http://ex ample.org/", "bad host name 'ex ample.org'"),
        ("http://1.2.3.4.5/", "bad IPv4 address '1.2.3.4.5'"),
        ("http://x.org/" + "a" * 2036, "URL longer than 2,048 characters"),
        ("ftp://x.org/", "not an http(s) URL"),
        ("http:/x.org/", "not an http(s) URL"),
    ],
)
def test_rejections_say_why(url, reason):
    with pytest.raises(BadURL) as caught:
        canonicalize(url)
    assert str(caught.value) == reason
    assert canonical_or_none(url) is None


def test_the_longest_accepted_url_is_2048_characters():
    url = "http://x.org/" + "a" * (2048 - len("http://x.org/"))
    assert canonicalize(url) == url


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://h.test//var", "http://h.test/var"),
        ("http://h.test/%76ar", "http://h.test/var"),
        ("http://h.test/./var", "http://h.test/var"),
        ("http://h.test/x/../var", "http://h.test/var"),
        ("http://h.test/%2e%2E/var", "http://h.test/var"),
        ("http://h.test/var/", "http://h.test/var/"),  # a trailing slash stays
        ("http://h.test/a%2fb%3b/%7Euser", "http://h.test/a%2Fb%3B/~user"),  # reserved stay
        ("http://h.test/caf%c3%a9", "http://h.test/caf%C3%A9"),
    ],
)
def test_one_spelling_of_a_path(url, canonical):
    assert canonicalize(url) == canonical


def test_the_former_spelling_is_known_only_when_it_differs():
    assert former_canonical("http://h.test/%76ar?utm_source=x") == "http://h.test/%76ar"
    assert former_canonical("http://h.test/var") is None
    assert former_canonical("ftp://h.test/%76ar") is None

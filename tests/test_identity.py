"""Identity rules: which URLs a page's canonical link and redirects may give an article."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from newsmon.core import identity
from newsmon.core.identity import (
    CanonicalClaim,
    Owner,
    alias_allowed,
    decide_canonical,
    same_site,
    site_of,
)

PAGE = "https://www.bbc.co.uk/news/uk-politics-123"


def claim(canonical: str, owner: Owner | None = None, **kwargs: object) -> CanonicalClaim:
    values = {
        "page_url": PAGE,
        "article_url": PAGE,
        "canonical": canonical,
        "article_id": 1,
        "source_id": 10,
        "article_has_versions": False,
        "owner": owner,
        **kwargs,
    }
    return CanonicalClaim(**values)  # type: ignore[arg-type]


def test_sites_are_registrable_domains_from_the_public_suffix_list():
    assert site_of("https://www.bbc.co.uk/news") == "bbc.co.uk"
    assert same_site("https://www.bbc.co.uk/x", "http://m.bbc.co.uk/y")
    assert not same_site("https://bbc.co.uk/x", "https://bbc.com/x")
    # Private suffixes count: two blogs on one hosting service are two sites.
    assert not same_site("https://alice.github.io/a", "https://bob.github.io/b")
    # No public suffix: the host alone is the site.
    assert not same_site("http://127.0.0.1:8080/a", "http://localhost:8080/a")
    assert not same_site("http://a.localhost/x", "http://b.localhost/x")
    assert same_site("http://[::1]:80/a", "http://[::1]/b")


def test_the_suffix_list_is_read_offline_and_cached_nowhere(monkeypatch, tmp_path):
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("tldextract tried the network")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    identity._extractor.cache_clear()
    try:
        assert site_of("https://news.example.co.uk/a") == "example.co.uk"
    finally:
        identity._extractor.cache_clear()
    assert list(Path(tmp_path).iterdir()) == []


@pytest.mark.parametrize(
    ("canonical", "reason"),
    [
        ("https://www.evil.example/news/uk-politics-123", "is another site"),
        ("https://www.bbc.co.uk/", "is the site's front page"),
        ("https://www.bbc.co.uk/?edition=uk", "is the site's front page"),
        ("https://www.bbc.co.uk/index.html", "is the site's front page"),
        ("https://www.bbc.co.uk/news", "is a section page above this page"),
        ("https://www.bbc.co.uk/news/", "is a section page above this page"),
    ],
)
def test_canonicals_off_site_or_shared_by_many_pages_are_refused(canonical, reason):
    decision = decide_canonical(claim(canonical))
    assert decision.url is None
    assert decision.reason == f"canonical refused: {canonical} {reason}"


@pytest.mark.parametrize(
    "canonical",
    [
        "https://www.bbc.co.uk/news/uk-politics-123",
        "https://bbc.co.uk/news/articles/c123",  # the same story under its newer address
        "https://www.bbc.co.uk/news/uk-politics-123/",
    ],
)
def test_a_canonical_of_the_same_story_on_the_same_site_is_followed(canonical):
    assert decide_canonical(claim(canonical)).url == canonical


def test_a_redirect_to_another_site_does_not_let_that_site_rename_the_article():
    canonical = "https://other.example/story"
    refused = claim(canonical, page_url="https://other.example/story?from=bbc")
    assert decide_canonical(refused).reason == f"canonical refused: {canonical} is another site"


def test_a_canonical_held_by_another_article_merges_only_what_is_safe():
    url = "https://www.bbc.co.uk/news/articles/c123"

    def owner(source_id: int = 10, has_versions: bool = True, same_text: bool = False) -> Owner:
        return Owner(2, source_id, has_versions, same_text)

    assert decide_canonical(claim(url, owner(has_versions=False))).url == url
    assert decide_canonical(claim(url, owner(same_text=True))).url == url
    assert decide_canonical(claim(url, Owner(1, 10, True, False))).url == url  # its own URL
    refusals = {
        "belongs to an article of another source": claim(url, owner(source_id=11)),
        "belongs to another article with different text": claim(url, owner()),
        "belongs to another article; stored versions are not moved": claim(
            url, owner(same_text=True), article_has_versions=True
        ),
    }
    for reason, refused in refusals.items():
        assert decide_canonical(refused).reason == f"canonical refused: {url} {reason}"


def test_a_redirect_names_the_article_only_on_its_own_site():
    assert alias_allowed("https://bbc.co.uk/news/1", "https://www.bbc.co.uk/news/uk-1")
    assert not alias_allowed("https://bbc.co.uk/news/1", "https://bbc.co.uk/news/1")
    assert not alias_allowed("https://bbc.co.uk/news/1", "https://other.example/victim")

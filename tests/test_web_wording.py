"""Pages speak people: plain errors, names not slugs, no "0 times", no empty field."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from tests.newssite import story
from tests.test_web import text_of as markup_text
from tests.web_fixtures import SOURCE_NAME, serve, web_client


def text_of(page: str) -> str:
    return html.unescape(markup_text(page))


pytestmark = pytest.mark.sqlite_only  # wording: nothing here depends on the database kind

VALIDATOR_WORDS = ("Input should", "String should", "valid integer", "Field required", "query.")


@pytest.fixture
def web(site, crawler, add_feed, clock, config, db):
    with web_client(site, crawler, add_feed, clock, config, db) as client:
        yield client


@pytest.fixture
def client(config, clock):
    """A real server; each request reads the database as it is at that moment."""
    served = serve(config, clock)
    with httpx.Client(base_url=served.base, timeout=10) as http:
        yield http
    served.stop()


def test_bad_parameters_are_answered_in_plain_words(client):
    asks = {
        "/?page=abc": "The page number must be a whole number",
        "/?page=0": "The page number must be a whole number",
        "/articles/abc": "“abc” is not an article number",
        "/articles/1/diff/0/x": "“x” is not a version number",
        "/search": "Type an article's address, or a few words from its headline",
        "/search?q=": "Type an article's address, or a few words from its headline",
        "/search?q=%20%20": "Type an article's address, or a few words from its headline",
        "/sources/x?sort=oldest": "sorted by recent or most-changed",
    }
    for path, sentence in asks.items():
        response = client.get(path)
        assert response.status_code == 400, path
        text = text_of(response.text)
        assert sentence in text, (path, text)
        assert not any(words in text for words in VALIDATOR_WORDS), (path, text)


def test_unchanged_article_and_the_home_page_in_words(web):
    quiet = text_of(web.get(f"/articles/{web.ids['quiet-council']}").text)
    assert "The article has not changed since newsmon first saw it." in quiet
    assert "0 times" not in quiet
    assert f"This article is from {SOURCE_NAME} and was" in quiet
    home = web.get("/").text
    rows = re.findall(r"<tr>(.*?)</tr>", home, flags=re.S)
    river = web.ids["river-pollution"]
    for number in (1, 2):
        row = next(r for r in rows if f"/articles/{river}/diff/{number - 1}/{number}" in r)
        assert f"version {number}" in text_of(row)  # the version the row is about
    missing = web.get(f"/articles/{river}/diff/0/7")
    assert missing.status_code == 404
    assert "has no version 7 (it has versions 0 to 2)." in text_of(missing.text)


def test_an_empty_service_says_what_to_do_and_never_prints_an_empty_field(
    client, site, crawler, add_feed
):
    nothing = client.get("/").text
    assert "Nothing has been captured yet" in text_of(nothing)
    assert "newsmon sources add" in nothing and "<table" not in nothing
    site.publish(story("fresh"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    watching = text_of(client.get("/").text)
    assert "watches 1 source but has not captured any article yet" in watching
    assert "newsmon run" in watching
    for page in ("/sources", "/sources/gazette"):
        text = text_of(client.get(page).text)
        assert "not polled yet" in text and "not yet:" not in text and "None" not in text
    crawler.feeds()  # the article is known from the feed, not fetched yet
    captured = text_of(client.get("/").text)
    assert "has captured 1 article and none has changed yet" in captured
    article = client.get("/articles/1")
    assert article.status_code == 200
    text = text_of(article.text)
    assert "It has not been checked yet." in text and "checked on not yet" not in text
    assert not re.search(r"\bon \.|on\s*$|:\s*\.| on not yet", text)
    assert "None" not in text and "0 times" not in text

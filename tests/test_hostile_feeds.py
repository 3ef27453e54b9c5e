"""A feed that tries to poison a poll: bad entries cost themselves only. Real Scrapy over loopback.

Among good entries: an IPv6-literal link, a mangled IPv6 link, a title with a raw
NUL, one with `&#0;`, one with a lone surrogate reference, and a 2,049-character
URL. The good entries are stored and checked in this pass and the next.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from newsmon.config.settings import Config
from newsmon.discover.feeds import parse_feed
from newsmon.storage.models import Article, Check, Version
from tests.newssite import story

GOOD = ("mayor-resigns", "flood-warning", "bridge-reopens")


@pytest.fixture
def config(config: Config) -> Config:
    """Loopback IPv4 only: the IPv6-literal entry is refused, never sent anywhere."""
    return config.with_(allow_networks=["127.0.0.0/8"])


def poisoned_feed(site) -> bytes:
    long_url = site.url("/news/" + "a" * (2049 - len(site.url("/news/"))))
    assert len(long_url) == 2049
    items = [
        ("Mayor\x00 resigns", site.url("/news/mayor-resigns")),
        ("IPv6 literal", "http://[::1]:8080/x"),
        ("Mangled IPv6", "http://[::1:8080/x"),
        ("Flood&#0; warning &#xD800; issued", site.url("/news/flood-warning")),
        ("Too long", long_url),
        ("Bridge reopens", site.url("/news/bridge-reopens")),
    ]
    body = "".join(f"<item><title>{t}</title><link>{u}</link></item>" for t, u in items)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Gazette'
        f"</title>{body}</channel></rss>"
    ).encode()


def test_bad_entries_cost_themselves_only_this_pass_and_the_next(
    site, crawler, add_feed, clock, db
):
    for slug in GOOD:
        site.publish(story(slug))
    add_feed("gazette", site.raw_feed("/feeds/poisoned.xml", poisoned_feed(site)))

    first = crawler.once()
    clock.advance(minutes=20)
    second = crawler.once()

    db.expire_all()
    assert first.articles_new == 4, first  # three good ones and the IPv6 literal
    assert first.articles_captured == 3
    assert second.articles_checked >= 3, second
    for slug in GOOD:
        article = db.scalar(select(Article).where(Article.url == site.url(f"/news/{slug}")))
        assert article.version_count == 1
        checks = db.scalar(select(func.count()).where(Check.article_id == article.id))
        assert checks == 2, slug
    ipv6 = db.scalar(select(Article).where(Article.url == "http://[::1]:8080/x"))
    details = list(db.scalars(select(Check.detail).where(Check.article_id == ipv6.id)))
    assert details and all(d.startswith("refused: ::1 is a loopback address") for d in details)
    assert all(len(url) <= 2048 for url in db.scalars(select(Article.url)))
    for text in db.scalars(select(Article.title)):
        assert "\x00" not in text and not any("\ud800" <= c <= "\udfff" for c in text)
    assert db.scalar(select(func.count()).select_from(Version)) == 3


def test_the_poisoned_feed_reports_each_rejection_with_its_reason(site):
    parsed = parse_feed(poisoned_feed(site), url=site.url("/feeds/poisoned.xml"))

    assert parsed.error is None
    assert [e.title for e in parsed.entries] == [
        "Mayor resigns",
        "IPv6 literal",
        "Flood warning \ufffd issued",
        "Bridge reopens",
    ]
    assert parsed.skipped == 2
    reasons = dict(parsed.rejected)
    assert reasons["http://[::1:8080/x"] == "bad IPv6 address in URL"
    long_excerpt = next(k for k in reasons if k.startswith(site.url("/news/aaa")))
    assert len(long_excerpt) <= 100
    assert reasons[long_excerpt] == "URL longer than 2,048 characters"

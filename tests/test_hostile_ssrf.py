"""SSRF, tried as a hostile publisher would: feed entries, redirects and meta refreshes
pointing into the crawler's own network. Real Scrapy over loopback.

The publisher's site is served from 127.0.0.2, the only network the config allows;
a "victim" server on 127.0.0.1 stands for the intranet and must receive no request.
Private, link-local and metadata addresses are refused before any connection, so
no packet ever leaves this machine.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from newsmon.config.settings import Config
from newsmon.core.urls import canonicalize
from newsmon.storage.models import Article, Check, Feed
from tests import newssite
from tests.newssite import story


@pytest.fixture(scope="module")
def publisher_server() -> Iterator[newssite.NewsSite]:
    try:
        site = newssite.start(newssite.NewsSite(), "127.0.0.2")
    except OSError as exc:
        pytest.skip(f"cannot serve on the second loopback address 127.0.0.2: {exc}")
    yield site
    newssite.stop(site)


@pytest.fixture(scope="module")
def victim_server() -> Iterator[newssite.NewsSite]:
    site = newssite.start(newssite.NewsSite(), "127.0.0.1")
    yield site
    newssite.stop(site)


@pytest.fixture
def publisher(publisher_server: newssite.NewsSite) -> newssite.NewsSite:
    publisher_server.reset()
    publisher_server.publish(story("harmless-story"))
    return publisher_server


@pytest.fixture
def victim(victim_server: newssite.NewsSite) -> newssite.NewsSite:
    victim_server.reset()
    victim_server.publish(story("secret", title="Internal admin console"))
    return victim_server


@pytest.fixture
def config(config: Config) -> Config:
    """Only the publisher's address is open: the victim's loopback address is not."""
    return config.with_(allow_networks=["127.0.0.2/32"])


def targets(victim: newssite.NewsSite) -> dict[str, str]:
    """The issue's SSRF list: URL -> the reason its refusal must give."""
    port = victim.server.server_address[1]  # type: ignore[union-attr]
    return {
        f"http://localhost:{port}/news/secret": "is a loopback address (resolved from localhost)",
        f"http://127.0.0.1:{port}/news/secret": "refused: 127.0.0.1 is a loopback address",
        f"http://2130706433:{port}/news/secret?n": "refused: 127.0.0.1 is a loopback address",
        f"http://0x7f.1:{port}/news/secret?x": "refused: 127.0.0.1 is a loopback address",
        f"http://0.0.0.0:{port}/news/secret": "refused: 0.0.0.0 is an unspecified address",
        f"http://[::1]:{port}/news/secret": "refused: ::1 is a loopback address",
        "http://10.1.2.3/admin": "refused: 10.1.2.3 is a private address",
        "http://192.168.1.1/admin": "refused: 192.168.1.1 is a private address",
        "http://169.254.169.254/latest/meta-data/": "refused: 169.254.169.254 is a link-local",
        "http://[::ffff:169.254.169.254]/latest/": "carries 169.254.169.254, a link-local address",
    }


def rss(links: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Story {i}</title><link>{link.replace('&', '&amp;')}</link></item>"
        for i, link in enumerate(links)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>P</title>'
        f"{items}</channel></rss>"
    ).encode()


def check_details(db, url: str) -> list[str]:
    db.expire_all()
    article = db.scalar(select(Article).where(Article.url == url))
    assert article is not None, f"no article for {url}"
    return [c.detail or "" for c in db.scalars(select(Check).where(Check.article_id == article.id))]


def assert_refused(db, by_article_url: dict[str, str]) -> None:
    for url, reason in by_article_url.items():
        details = check_details(db, url)
        assert details and all(reason in d for d in details), (url, details)


def test_feed_entries_into_the_private_network_are_refused(
    publisher, victim, crawler, add_feed, db
):
    wanted = targets(victim)
    good = publisher.url("/news/harmless-story")
    add_feed("publisher", publisher.raw_feed("/feeds/evil.xml", rss([*wanted, good])))

    stats = crawler.once()

    assert victim.log == []
    assert stats.articles_captured == 1  # the harmless story, stored
    assert_refused(db, {canonicalize(url): reason for url, reason in wanted.items()})


@pytest.mark.parametrize("hop", ["301", "refresh"])
def test_redirects_and_meta_refreshes_into_the_private_network_are_refused(
    hop, publisher, victim, crawler, add_feed, db
):
    move = publisher.redirect if hop == "301" else publisher.meta_refresh
    entries = {
        move(f"/go/{i}", url): reason for i, (url, reason) in enumerate(targets(victim).items())
    }
    add_feed("publisher", publisher.raw_feed("/feeds/evil.xml", rss(list(entries))))

    crawler.once()

    assert victim.log == []
    assert len(publisher.hits("/go/")) == len(entries)  # each hop was served, none followed
    assert_refused(db, entries)


def test_a_feed_moved_into_the_private_network_is_refused(publisher, victim, crawler, add_feed, db):
    port = victim.server.server_address[1]  # type: ignore[union-attr]
    moved = publisher.redirect("/feeds/moved.xml", f"http://localhost:{port}/feeds/rss.xml")
    add_feed("moved", moved)
    add_feed("direct", f"http://127.0.0.1:{port}/feeds/rss.xml")

    stats = crawler.feeds()

    assert victim.log == []
    assert stats.feeds_polled == 2
    db.expire_all()
    errors = {f.url: f.last_error or "" for f in db.scalars(select(Feed))}
    hint = "; to allow it, add its range to allow_networks (NEWSMON_ALLOW_NETWORKS)"
    assert errors[f"http://127.0.0.1:{port}/feeds/rss.xml"] == (
        "refused: 127.0.0.1 is a loopback address" + hint
    )
    assert errors[moved].startswith("refused: ")
    assert errors[moved].endswith("is a loopback address (resolved from localhost)" + hint)

"""Crawl to versions over loopback: real Scrapy, a real SQLite file, an editable news site."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import func, select

from newsmon.storage.models import Article, Check, Version
from tests.newssite import story


def versions(db, slug_part: str) -> list[Version]:
    db.expire_all()
    return list(
        db.scalars(
            select(Version)
            .join(Article)
            .where(Article.url.contains(slug_part))
            .order_by(Version.number)
        )
    )


def test_unedited_article_keeps_one_version(site, crawler, add_feed, clock, db):
    site.publish(story("flood-defences"))
    site.publish(story("school-meals"))
    add_feed("gazette", site.url("/feeds/rss.xml"))

    first = crawler.once()
    assert first.articles_new == 2
    assert first.articles_captured == 2 and first.articles_changed == 0
    for _ in range(3):
        clock.advance(minutes=20)
        later = crawler.once()
        assert later.articles_checked == 2
        assert later.articles_changed == 0

    assert [v.number for v in versions(db, "flood-defences")] == [0]
    text = versions(db, "flood-defences")[0].text
    assert "Paragraph 1 of the flood-defences report" in text
    assert "Subscribe" not in text and "views today" not in text and "Most read" not in text
    assert db.scalar(select(func.count()).select_from(Check)) == 8


def test_edits_make_exactly_one_version_each_and_a_revert_makes_another(
    site, crawler, add_feed, clock, db
):
    site.publish(story("bridge-closure"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    original = site.stories["bridge-closure"].paragraphs[2]

    site.edit("bridge-closure", paragraph=(2, "The council now says it reviewed 40 cases."))
    clock.advance(minutes=20)
    assert crawler.once().articles_changed == 1
    clock.advance(minutes=20)
    assert crawler.once().articles_changed == 0  # the same edit seen again is no new version

    site.edit("bridge-closure", title="Bridge to close for a year, council admits")
    clock.advance(minutes=20)
    assert crawler.once().articles_changed == 1

    site.edit(
        "bridge-closure", paragraph=(2, original), title="Council reviews bridge closure cases"
    )
    clock.advance(minutes=20)
    crawler.once()

    stored = versions(db, "bridge-closure")
    assert [v.number for v in stored] == [0, 1, 2, 3]
    assert "40 cases" in stored[1].text and "40 cases" not in stored[0].text
    assert stored[2].title == "Bridge to close for a year, council admits"
    assert stored[2].title_changed and not stored[1].title_changed
    assert stored[3].content_hash == stored[0].content_hash  # the revert, kept as a version
    assert stored[1].words_added > 0 and stored[1].words_removed > 0
    article = db.scalar(select(Article).where(Article.url.contains("bridge-closure")))
    assert article.version_count == 4
    assert article.last_changed_at == stored[3].captured_at


def test_tracking_and_canonical_links_land_on_one_article(site, crawler, add_feed, db):
    # The RSS link carries utm_* parameters, the Atom link a fragment, and the
    # third story is announced under an alias whose page names its canonical URL.
    site.publish(story("tram-fares"))
    site.publish(
        story("harbour-wall", canonical="/news/harbour-wall", feed_link="/alias/harbour-wall")
    )
    add_feed("gazette", site.url("/feeds/rss.xml"), site.url("/feeds/atom.xml"))

    stats = crawler.once()
    crawler.once(everything=True)

    db.expire_all()
    urls = sorted(db.scalars(select(Article.url)))
    assert urls == [site.url("/news/harbour-wall"), site.url("/news/tram-fares")], stats
    assert all("utm_" not in u and "#" not in u for u in urls)
    harbour = db.scalar(select(Article).where(Article.url.contains("harbour-wall")))
    assert harbour.version_count == 1


def test_rss1_and_atom_feeds_are_polled(site, crawler, add_feed, db):
    site.publish(story("power-cut"))
    add_feed("rdf", site.url("/feeds/rdf.xml"))
    add_feed("atom", site.url("/feeds/atom.xml"))
    stats = crawler.feeds()
    assert stats.feeds_polled == 2
    db.expire_all()
    article = db.scalar(select(Article))
    assert article.url == site.url("/news/power-cut")
    assert article.published_at == site.stories["power-cut"].published  # from the Atom entry
    assert db.scalar(select(func.count()).select_from(Article)) == 1


def test_feed_conditional_get_answers_304(site, crawler, add_feed, clock):
    site.publish(story("ferry-strike"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.feeds()
    clock.advance(minutes=10)
    crawler.feeds()
    polls = site.hits("/feeds/rss.xml")
    assert [h.status for h in polls] == [200, 304]
    assert "If-None-Match" in polls[1].headers


def test_article_conditional_get_records_not_modified(site, crawler, add_feed, clock, db):
    site.publish(story("rail-timetable", etag=True))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    clock.advance(minutes=20)
    crawler.articles()
    db.expire_all()
    outcomes = list(db.scalars(select(Check.outcome).order_by(Check.id)))
    assert outcomes == ["changed", "not_modified"]
    assert site.hits("/news/rail-timetable")[-1].status == 304


@pytest.mark.sqlite_only
def test_a_busy_database_delays_the_crawl_but_loses_nothing(site, crawler, add_feed, config, db):
    site.publish(story("busy-port"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.feeds()
    path = config.database_url.removeprefix("sqlite:///")
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database
    release = threading.Timer(1.5, blocker.execute, ("COMMIT",))
    release.start()
    try:
        stats = crawler.articles()
    finally:
        release.join()
        blocker.close()
    assert stats.articles_captured == 1
    assert [v.number for v in versions(db, "busy-port")] == [0]

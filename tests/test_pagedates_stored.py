"""The page's own dates, stored with their origin when the feed has none, and shown as such."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from newsmon.record.articledates import merged_date
from newsmon.storage.models import Article
from newsmon.web.app import create_app
from tests.newssite import story

FEED_DATE = datetime(2026, 2, 20, 6, 0, tzinfo=UTC)
PAGE_DATE = datetime(2026, 2, 14, 10, 30, tzinfo=UTC)
PAGE_UPDATED = datetime(2026, 2, 15, 7, 45, tzinfo=UTC)


def article(db, slug: str) -> Article:
    db.expire_all()
    return db.scalar(select(Article).where(Article.url.contains(slug)))


def sentence(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_page_date_fills_a_gap_and_never_replaces_a_feed_or_sitemap_date():
    assert merged_date(None, None, PAGE_DATE) == (PAGE_DATE, "page")
    assert merged_date(FEED_DATE, "feed", PAGE_DATE) == (FEED_DATE, "feed")
    assert merged_date(FEED_DATE, "sitemap", PAGE_DATE) == (FEED_DATE, "sitemap")
    assert merged_date(FEED_DATE, None, PAGE_DATE) == (FEED_DATE, None)  # stored by a feed poll
    assert merged_date(PAGE_DATE, "page", FEED_DATE) == (FEED_DATE, "page")  # the page's newest
    assert merged_date(PAGE_DATE, "page", None) == (PAGE_DATE, "page")


def test_page_dates_are_stored_and_labelled_when_the_feed_has_none(
    site, crawler, add_feed, clock, config, db
):
    site.publish(story("ferry-strike", feed_dated=False, published=PAGE_DATE, updated=PAGE_UPDATED))
    site.publish(story("harbour-plan", published=FEED_DATE))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()

    undated = article(db, "ferry-strike")
    assert (undated.published_at, undated.published_from) == (PAGE_DATE, "page")
    assert (undated.updated_at, undated.updated_from) == (PAGE_UPDATED, "page")
    dated = article(db, "harbour-plan")
    assert dated.published_at == FEED_DATE and dated.published_from in (None, "feed")

    # The page now states another publication date (and a changed story): the feed's stays.
    site.stories["harbour-plan"].published = PAGE_DATE
    site.edit("harbour-plan", paragraph=(0, "The harbour plan was approved on Monday night."))
    clock.advance(minutes=20)
    assert crawler.once().articles_changed == 1
    assert article(db, "harbour-plan").published_at == FEED_DATE

    client = TestClient(create_app(config, clock))
    page = sentence(client.get(f"/articles/{undated.id}").text)
    assert "was first published on 2026-02-14 10:30 UTC (stated on the page)" in page
    assert "It was last updated on 2026-02-15 07:45 UTC (stated on the page)" in page
    page = sentence(client.get(f"/articles/{dated.id}").text)
    assert "was first published on 2026-02-20 06:00 UTC (from the feed)" in page
    assert "last updated" not in page

    api = client.get(f"/api/articles/{undated.id}").json()
    assert api["published_from"] == "page" and api["updated_from"] == "page"
    assert api["published_at"].startswith("2026-02-14T10:30")
    assert api["updated_at"].startswith("2026-02-15T07:45")

    # The feed dates the story at last: the feed's date replaces the page's.
    site.stories["ferry-strike"].feed_dated = True
    site.stories["ferry-strike"].published = FEED_DATE
    clock.advance(hours=1)
    crawler.once()
    redated = article(db, "ferry-strike")
    assert (redated.published_at, redated.published_from) == (FEED_DATE, "feed")


@pytest.mark.sqlite_only
def test_an_updated_n_minutes_ago_line_that_changes_on_every_request_keeps_one_version(
    site, crawler, add_feed, clock, db
):
    site.publish(story("live-tram-works", live_label=True))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    for _ in range(3):
        clock.advance(minutes=20)
        assert crawler.once().articles_changed == 0
    stored = article(db, "live-tram-works")
    assert stored.version_count == 1
    assert len(site.hits("/news/live-tram-works")) == 4  # every check saw a new label


def test_another_sources_feed_never_dates_an_article(config, clock, db):
    """Source B listing source A's article must not rewrite A's record of it."""
    from newsmon.discover.feeds import FeedEntry
    from newsmon.record.store import add_entries
    from newsmon.storage.db import ensure_schema, transaction
    from newsmon.storage.models import Source

    now = clock.now()
    engine = ensure_schema(config.database_url)
    with transaction(engine) as s:
        a, b = (Source(slug=x, name=x, enabled=True, created_at=now) for x in ("a", "b"))
        s.add_all([a, b])
        s.flush()
        ids = a.id, b.id
    url = "https://a.example/news/x"
    with transaction(engine) as s:
        add_entries(s, source_id=ids[0], entries=[FeedEntry(url=url)], now=now)
        s.execute(
            update(Article)
            .where(Article.url == url)
            .values(published_at=datetime(2020, 1, 1, tzinfo=UTC), published_from="page")
        )
    dated = FeedEntry(url=url, published_at=datetime(2026, 11, 23, tzinfo=UTC), origin="sitemap")
    with transaction(engine) as s:
        add_entries(s, source_id=ids[1], entries=[dated], now=now)
    db.expire_all()
    article = db.scalar(select(Article).where(Article.url == url))
    assert (article.published_at, article.published_from) == (
        datetime(2020, 1, 1, tzinfo=UTC),
        "page",
    )
    with transaction(engine) as s:  # its own source's feed may
        add_entries(s, source_id=ids[0], entries=[dated], now=now)
    db.expire_all()
    assert db.scalar(select(Article.published_from).where(Article.url == url)) == "sitemap"

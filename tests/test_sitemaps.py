"""Sitemaps as sources: polled over loopback like feeds, recent entries only, errors in one line."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from newsmon.crawl.oneoff import FetchError, fetch
from newsmon.discover.sitemaps import parse_sitemap
from newsmon.storage.models import Article, Feed, Version
from tests.cli_helpers import newsmon
from tests.newssite import story


def article(db, slug: str) -> Article | None:
    db.expire_all()
    return db.scalar(select(Article).where(Article.url.endswith(f"/news/{slug}")))


def versions(db, slug: str) -> list[Version]:
    found = article(db, slug)
    return list(db.scalars(select(Version).where(Version.article_id == found.id))) if found else []


def feed(db, path: str) -> Feed:
    db.expire_all()
    return db.scalar(select(Feed).where(Feed.url.endswith(path)))


def test_news_sitemap_without_a_feed_is_watched(site, crawler, add_feed, clock, db):
    fire = site.publish(story("harbour-fire", published=clock.now() - timedelta(hours=3)))
    site.publish(story("old-archive"))  # 1 January: older than the two-day cut-off
    add_feed("gazette", site.url("/sitemap-news.xml"))

    assert crawler.once().articles_new == 1
    found = article(db, "harbour-fire")
    assert found.title == fire.title  # from news:title
    assert found.published_at == fire.published and found.published_from == "sitemap"
    assert "Paragraph 1 of the harbour-fire report" in versions(db, "harbour-fire")[0].text
    assert article(db, "old-archive") is None and not site.hits("/news/old-archive")
    assert feed(db, "/sitemap-news.xml").kind == "sitemap"

    clock.advance(minutes=10)  # nothing new: the conditional GET is answered 304
    crawler.feeds()
    assert site.hits("/sitemap-news.xml")[-1].status == 304
    assert feed(db, "/sitemap-news.xml").last_error is None

    site.publish(story("ferry-strike", published=clock.now() - timedelta(minutes=5)))
    clock.advance(minutes=10)
    assert crawler.once().articles_new == 1
    assert len(versions(db, "ferry-strike")) == 1


@pytest.mark.sqlite_only
def test_sitemap_index_with_a_gzip_child(site, crawler, add_feed, clock, db):
    site.publish(story("tram-delays", published=clock.now() - timedelta(hours=1)))
    site.publish(story("budget-vote", published=clock.now() - timedelta(days=1)))
    add_feed("gazette", site.url("/sitemap-index.xml"))

    assert crawler.once().articles_new == 2
    assert article(db, "tram-delays").title == "Council reviews tram delays cases"
    assert versions(db, "budget-vote")
    assert site.hits("/sitemap-news.xml.gz")  # the recent child, a gzip file
    assert not site.hits("/sitemap-archive.xml")  # last modified in 2020: not fetched
    index = feed(db, "/sitemap-index.xml")
    assert index.kind == "sitemap" and index.last_error is None


@pytest.mark.sqlite_only
def test_broken_sitemaps_each_say_what_went_wrong(site, crawler, add_feed, clock, db):
    site.publish(story("dock-strike", published=clock.now() - timedelta(hours=2)))
    ns = b'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    bomb = gzip.compress(b"<urlset " + ns + b">" + b" " * (3 * 1024 * 1024) + b"</urlset>")
    add_feed(
        "gazette",
        site.raw_feed("/feeds/broken.xml", b"<urlset " + ns + b"><url><loc"),
        site.raw_feed("/feeds/bomb.xml.gz", bomb),  # 3 MiB unpacked, the cap is 1 MiB
        site.url("/news/dock-strike"),  # an HTML page where a sitemap was expected
        site.url("/sitemap-missing.xml"),
        site.url("/sitemap.xml"),
    )

    assert crawler.once().articles_new == 1  # the good sitemap's story, the rest is errors
    assert versions(db, "dock-strike")
    assert feed(db, "/feeds/broken.xml").last_error.startswith("malformed sitemap: line 1")
    assert feed(db, "/feeds/bomb.xml.gz").last_error == (
        "gzip file larger than 1024 KiB when decompressed (refused)"
    )
    assert feed(db, "/news/dock-strike").last_error == (
        "not a feed or sitemap: the URL serves an HTML page"
    )
    assert feed(db, "/sitemap-missing.xml").last_error == "HTTP 404"
    assert feed(db, "/sitemap.xml").last_error is None


def test_discover_adds_the_sitemaps_robots_txt_lists(site, tmp_path):
    site.robots = (
        f"User-agent: *\nSitemap: {site.url('/sitemap-index.xml')}\nSitemap: /sitemap.xml\n"
    )
    done = newsmon(tmp_path, "sources", "add", "gazette", "--discover", site.base)
    assert done.returncode == 0, done.stderr
    assert f"found sitemap {site.url('/sitemap-index.xml')}" in done.stdout
    assert "gazette: 2 feeds added" in done.stdout
    listed = newsmon(tmp_path, "sources", "list").stdout
    assert f"{site.url('/sitemap.xml')}  sitemap  [not polled yet]" in listed

    site.robots = "User-agent: *\nDisallow: /private/\n"
    done = newsmon(tmp_path, "sources", "add", "other", "--discover", site.base)
    assert done.returncode == 1
    assert "lists no sitemaps" in done.stderr


@pytest.mark.sqlite_only
def test_discovery_fetches_through_the_ssrf_guard(config, reactor):
    """robots.txt is fetched by a one-request crawl: the guard refuses what it refuses there."""
    with pytest.raises(FetchError, match=r"refused: 169\.254\.169\.254 is a link-local address"):
        fetch(config, "http://169.254.169.254/robots.txt")


def test_sitemap_entries_pass_the_same_checks_as_feed_entries():
    """Links made canonical or refused with a reason, text cleaned, undated entries left out."""
    body = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        b"<url><loc>/news/a?utm_source=x</loc><news:news><news:publication_date>"
        b"2026-03-02T08:00:00+01:00</news:publication_date>"
        b"<news:title>Fire at the\n   <b>harbour</b>&#x1;</news:title></news:news></url>"
        b"<url><loc>javascript:alert(1)</loc><lastmod>2026-03-02</lastmod></url>"
        b"<url><loc>https://gazette.example/news/undated</loc></url>"
        b"<url><loc>https://gazette.example/news/b</loc><lastmod>2026-03-01</lastmod></url>"
        b"<url><loc>https://other.example/news/c</loc><lastmod>2026-03-01</lastmod></url>"
        b"<url><loc>https://gazette.example/news/d</loc><lastmod>2999-01-01</lastmod></url>"
        b"<url><loc>https://gazette.example/news/e</loc>"
        b"<lastmod>9999-12-31T23:00:00-05:00</lastmod></url>"
        b"</urlset>"
    )
    since, until = datetime(2026, 2, 28, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)
    url = "https://gazette.example/sitemap.xml"
    parsed = parse_sitemap(body, url=url, since=since, until=until).feed
    assert [(e.url, e.title, e.published_at) for e in parsed.entries] == [
        (
            "https://gazette.example/news/a",
            "Fire at the harbour",
            datetime(2026, 3, 2, 7, tzinfo=UTC),
        ),
        # lastmod says when the page last changed, not when it was published
        ("https://gazette.example/news/b", None, None),
    ]
    assert parsed.rejected == (
        ("javascript:alert(1)", "not an http(s) URL"),
        ("https://other.example/news/c", "not on the sitemap's own site"),
    )
    # no date, a date to come, and a date past the calendar's end all count as undated
    assert "skipped 3 undated entries" in parsed.warnings

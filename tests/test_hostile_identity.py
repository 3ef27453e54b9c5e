"""A hostile publisher against identity: no story filed under the wrong source or URL,
and the record names the URL that served each body and how it was decoded.

Real Scrapy crawls over loopback against the local news site, on SQLite and PostgreSQL.
The site answers as `127.0.0.1` and as `localhost`: two host names with no public
suffix, so two different sites to newsmon.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from newsmon.discover.sitemaps import sitemaps_in_robots
from newsmon.guard.netguard import parse_networks
from newsmon.storage.models import Article, ArticleEvent, Check, Feed, Version
from tests.cli_helpers import cli_env, newsmon
from tests.newssite import NewsSite, story


def article_at(db: Session, url: str) -> Article | None:
    db.expire_all()
    return db.scalar(select(Article).where(Article.url == url))


def stored(db: Session, article: Article) -> list[Version]:
    return list(
        db.scalars(select(Version).where(Version.article_id == article.id).order_by(Version.number))
    )


def rss(*links: str) -> bytes:
    """A feed listing `links`, as another site's aggregator would publish it."""
    items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in links)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Aggregator</title><link>http://agg.example/</link>{items}</channel></rss>"
    ).encode()


def warc_responses(tmp_path: Path, database_url: str) -> list[tuple[str, str, int]]:
    """(target URI, the served page's <h1>, article id) of each response record of an export."""
    env = cli_env(tmp_path, NEWSMON_DATABASE_URL=database_url)
    done = newsmon(tmp_path, "export", "--format", "warc", "-o", "out.warc.gz", env=env)
    assert done.returncode == 0, done.stderr
    responses: dict[str, tuple[str, str]] = {}
    found = []
    with open(tmp_path / "out.warc.gz", "rb") as stream:
        for record in ArchiveIterator(stream):
            uri = record.rec_headers.get_header("WARC-Target-URI")
            if record.rec_type == "response":
                html = record.content_stream().read().decode("utf-8")
                h1 = html.split("<h1>", 1)[1].split("</h1>", 1)[0]
                responses[record.rec_headers.get_header("WARC-Record-ID")] = (uri, h1)
            elif record.rec_type == "metadata":
                meta = json.loads(record.content_stream().read())
                response = responses[record.rec_headers.get_header("WARC-Concurrent-To")]
                assert uri.startswith("urn:newsmon:")  # replay shows the page, not this
                assert (meta["fetched_url"] or meta["url"]) == response[0]
                found.append((*response, meta["article_id"]))
    return found


def test_a_canonical_into_a_site_the_source_does_not_publish_on_stores_nothing_of_it(
    site, crawler, add_feed, clock, db, database_url, tmp_path
):
    """s2's feed (on 127.0.0.1) lists a page on localhost naming as canonical a localhost
    URL nobody holds yet; localhost's own source lists that URL later."""
    s1a, s2b = site.url_as("localhost", "/news/s1a"), site.url_as("localhost", "/news/s2b")
    site.publish(story("s1a", title="Mayor resigns over housing scandal"))
    site.publish(story("s2b", title="Opinion: the housing market", canonical=s1a))
    add_feed("s2", site.raw_feed("/feeds/s2.xml", rss(s2b)))
    crawler.once()
    clock.advance(minutes=20)
    crawler.once()  # the next check: the article must still fetch its own page
    add_feed("s1", site.url_as("localhost", "/feeds/rss.xml?slugs=s1a"))
    clock.advance(minutes=20)
    crawler.once()
    clock.advance(minutes=20)
    crawler.once()

    theirs, ours = article_at(db, s2b), article_at(db, s1a)
    assert theirs is not None and theirs.source.slug == "s2"
    assert [v.title for v in stored(db, theirs)] == ["Opinion: the housing market"]
    assert {v.fetched_url for v in stored(db, theirs)} == {s2b}
    assert ours is not None and ours.source.slug == "s1"
    assert [v.title for v in stored(db, ours)] == ["Mayor resigns over housing scandal"]
    checks = list(db.scalars(select(Check).where(Check.article_id == theirs.id)))
    assert [c.outcome for c in checks].count("changed") == 1  # no stolen version, no revert
    assert checks[0].detail == f"canonical refused: {s1a} is not on the source's own site"
    assert {c.fetched_url for c in checks} == {s2b}
    served = {
        s1a: "Mayor resigns over housing scandal",
        s2b: "Opinion: the housing market",
    }
    for uri, h1, _ in warc_responses(tmp_path, database_url):
        assert served[uri] == h1


def test_an_article_url_that_redirects_to_another_article_is_exported_under_the_url_that_served(
    site: NewsSite, crawler, add_feed, db, database_url, tmp_path
):
    site.publish(story("ferry-strike", title="Ferry workers strike"))
    site.publish(story("ferry-old", title="An old ferry headline", feed_link="/ferry-old"))
    target = site.url("/news/ferry-strike")
    site.redirect("/ferry-old", target)  # the old article's URL now answers 301 -> the other
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()

    moved = article_at(db, site.url("/ferry-old"))
    records = warc_responses(tmp_path, database_url)
    assert {uri for uri, _, _ in records} == {target}  # never a 200 from /ferry-old
    assert sorted(article for _, _, article in records) == sorted(
        [moved.id, article_at(db, target).id]
    )
    assert {h1 for _, h1, _ in records} == {"Ferry workers strike"}
    assert [v.fetched_url for v in stored(db, moved)] == [target]
    check = db.scalar(select(Check).where(Check.article_id == moved.id))
    assert (check.http_status, check.fetched_url) == (200, target)


def test_a_charset_only_change_makes_a_version_with_the_right_text(
    site, crawler, add_feed, clock, db
):
    site.stable = True  # the very same bytes on every request
    page = site.publish(story("cafe", title="Café story", declared_charset="iso-8859-1"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    article = article_at(db, site.url("/news/cafe"))
    first = stored(db, article)
    assert [(v.title, v.encoding) for v in first] == [("CafÃ© story", "cp1252")]

    page.declared_charset = "utf-8"  # the publisher fixes its header; not one byte changes
    clock.advance(minutes=20)
    crawler.articles()

    versions = stored(db, article)
    assert [(v.title, v.encoding) for v in versions] == [
        ("CafÃ© story", "cp1252"),
        ("Café story", "utf-8"),
    ]
    assert "Paragraph 1 of the cafe report" in versions[1].text
    checks = db.scalars(select(Check).where(Check.article_id == article.id).order_by(Check.id))
    assert [(c.outcome, c.encoding) for c in checks] == [
        ("changed", "cp1252"),
        ("changed", "utf-8"),
    ]


def test_the_source_on_the_storys_own_site_takes_it_from_another_sites_feed(
    site, crawler, add_feed, clock, db
):
    url = site.url_as("localhost", "/news/bridge-closed")
    site.publish(story("bridge-closed", title="Bridge closed after inspection"))
    add_feed("aggregator", site.raw_feed("/feeds/agg.xml", rss(url)))  # on 127.0.0.1
    crawler.once()
    assert article_at(db, url).source.slug == "aggregator"

    add_feed("gazette", site.url_as("localhost", "/feeds/rss.xml?slugs=bridge-closed"))
    clock.advance(minutes=20)
    crawler.once()
    clock.advance(minutes=20)
    crawler.once()  # the aggregator lists it again: it does not take it back

    article = article_at(db, url)
    assert article.source.slug == "gazette"
    assert [v.title for v in stored(db, article)] == ["Bridge closed after inspection"]
    events = list(db.scalars(select(ArticleEvent).where(ArticleEvent.article_id == article.id)))
    assert [(e.kind, e.detail) for e in events] == [("moved", "from aggregator to gazette")]
    assert article.published_from == "feed"  # dated by its own source's feed now


def test_a_sitemap_that_redirects_to_another_sites_sitemap_files_nothing(
    site, crawler, add_feed, clock, db
):
    site.publish(story("dock-strike", published=clock.now() - timedelta(hours=2)))
    elsewhere = site.url_as("localhost", "/sitemap-news.xml")
    add_feed("gazette", site.redirect("/sitemap-moved.xml", elsewhere))
    add_feed("other", site.redirect("/sitemap-index-moved.xml", site.url("/sitemap-index.xml")))
    crawler.once()

    db.expire_all()
    assert list(db.scalars(select(Article.url))) == [site.url("/news/dock-strike")]
    assert article_at(db, site.url("/news/dock-strike")).source.slug == "other"
    moved = db.scalar(select(Feed).where(Feed.url.endswith("/sitemap-moved.xml")))
    assert moved.last_error == f"sitemap redirected to another site: {elsewhere}"


def test_discover_keeps_only_the_sites_own_public_sitemaps(site, tmp_path):
    site.robots = (
        "User-agent: *\n"
        f"Sitemap: {site.url('/sitemap.xml')}\n"
        f"Sitemap: {site.url_as('localhost', '/sitemap-news.xml')}\n"
        "Sitemap: http://10.1.2.3/sitemap.xml\n"
    )
    done = newsmon(tmp_path, "sources", "add", "gazette", "--discover", site.base)
    assert done.returncode == 0, done.stderr
    assert "gazette: 1 feed added" in done.stdout
    assert f"found sitemap {site.url('/sitemap.xml')}" in done.stdout
    for line in (site.url_as("localhost", "/sitemap-news.xml"), "http://10.1.2.3/sitemap.xml"):
        assert f"skipped Sitemap: line {line!r}: on another site than the robots.txt" in done.stderr


def test_robots_sitemap_lines_on_addresses_the_guard_refuses_are_skipped():
    robots = b"Sitemap: http://10.1.2.3/a.xml\nSitemap: /b.xml\n"
    found, refused = sitemaps_in_robots(robots, "http://10.1.2.3/robots.txt")
    assert found == []
    assert {why for _, why in refused} == {"refused: 10.1.2.3 is a private address"}
    opened = sitemaps_in_robots(
        robots, "http://10.1.2.3/robots.txt", allow=parse_networks("10.0.0.0/8")
    )
    assert opened == (["http://10.1.2.3/a.xml", "http://10.1.2.3/b.xml"], [])

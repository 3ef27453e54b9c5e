"""A hostile publisher against the record: identity, bounded writes, duplicates, current text.

Real Scrapy crawls over loopback against the local news site and a real SQLite file.
The same site answers as `127.0.0.1` and as `localhost`: two host names with no public
suffix, so two different sites to newsmon.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from newsmon.core.fingerprint import content_hash
from newsmon.discover.feeds import FeedEntry
from newsmon.record.article_urls import claim_url
from newsmon.record.store import add_entries, article_for_url
from newsmon.storage.db import make_engine, transaction
from newsmon.storage.models import Article, Check, Feed, Source, Version
from tests.newssite import story

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config(config):
    """The 20,000-entry feed is 2.7 MB: above the 1 MB page cap of the other crawl tests."""
    return config.with_(max_page_mb=4.0)


def article_at(db: Session, url: str) -> Article | None:
    db.expire_all()
    return db.scalar(select(Article).where(Article.url == url))


def titles(db: Session, article: Article) -> list[str]:
    return list(
        db.scalars(
            select(Version.title).where(Version.article_id == article.id).order_by(Version.number)
        )
    )


def last_check(db: Session, article: Article) -> Check:
    return db.scalars(
        select(Check).where(Check.article_id == article.id).order_by(Check.id.desc())
    ).first()


def test_a_canonical_on_another_site_never_writes_into_its_articles(
    site, crawler, add_feed, clock, db
):
    victim_url = site.url_as("localhost", "/news/minister-interview")
    site.publish(story("minister-interview", title="Minister answers questions on budget"))
    site.publish(
        story("fake-confession", title="FAKE: Minister admits fraud", canonical=victim_url)
    )
    add_feed("victim", site.url_as("localhost", "/feeds/rss.xml?slugs=minister-interview"))
    crawler.once()
    add_feed("forger", site.url("/feeds/rss.xml?slugs=fake-confession"))
    clock.advance(minutes=20)
    crawler.once()

    victim = article_at(db, victim_url)
    assert victim is not None and victim.source.slug == "victim"
    assert titles(db, victim) == ["Minister answers questions on budget"]
    forged = article_at(db, site.url("/news/fake-confession"))
    assert forged is not None and forged.source.slug == "forger"
    assert titles(db, forged) == ["FAKE: Minister admits fraud"]
    assert last_check(db, forged).detail == f"canonical refused: {victim_url} is another site"


def test_a_canonical_into_another_sources_article_on_the_same_host_is_refused(
    site, crawler, add_feed, clock, db
):
    site.publish(story("harbour-report", title="Harbour reopens after storm"))
    site.publish(
        story("harbour-fake", title="FAKE: Harbour sold", canonical="/news/harbour-report")
    )
    add_feed("port-news", site.url("/feeds/rss.xml?slugs=harbour-report"))
    crawler.once()
    add_feed("blog", site.url("/feeds/rss.xml?slugs=harbour-fake"))
    clock.advance(minutes=20)
    crawler.once()

    victim = article_at(db, site.url("/news/harbour-report"))
    assert titles(db, victim) == ["Harbour reopens after storm"]
    forged = article_at(db, site.url("/news/harbour-fake"))
    assert forged is not None and forged.source.slug == "blog"
    assert titles(db, forged) == ["FAKE: Harbour sold"]
    detail = last_check(db, forged).detail
    assert detail.endswith("/news/harbour-report belongs to an article of another source")


def test_a_page_cannot_squat_on_a_url_another_source_announces_later(
    site, crawler, add_feed, clock, db
):
    site.publish(story("harbour-report", title="Harbour reopens after storm"))
    site.publish(
        story("harbour-fake", title="FAKE: Harbour sold", canonical="/news/harbour-report")
    )
    add_feed("blog", site.url("/feeds/rss.xml?slugs=harbour-fake"))
    crawler.once()  # the blog's page takes the URL nobody holds yet
    add_feed("port-news", site.url("/feeds/rss.xml?slugs=harbour-report"))
    clock.advance(minutes=20)
    crawler.once()

    victim = article_at(db, site.url("/news/harbour-report"))
    assert victim.source.slug == "port-news"
    assert titles(db, victim) == ["Harbour reopens after storm"]
    forged = article_at(db, site.url("/news/harbour-fake"))  # back under its own feed's URL
    # (its history may also hold what was served at the URL it was filed under meanwhile)
    assert forged.source.slug == "blog" and titles(db, forged)[0] == "FAKE: Harbour sold"


@pytest.mark.parametrize(
    ("canonical", "reason"),
    [("/", "is the site's front page"), ("/news", "is a section page above this page")],
)
def test_a_canonical_shared_by_every_page_keeps_the_stories_apart(
    site, crawler, add_feed, clock, db, canonical, reason
):
    for slug in ("tram-fares", "school-meals", "bridge-repair"):
        site.publish(story(slug, canonical=canonical))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    clock.advance(minutes=20)
    crawler.once()

    db.expire_all()
    articles = list(db.scalars(select(Article).order_by(Article.url)))
    assert [a.url for a in articles] == [
        site.url("/news/bridge-repair"),
        site.url("/news/school-meals"),
        site.url("/news/tram-fares"),
    ]
    refused = f"canonical refused: {site.url(canonical)} {reason}"
    for article in articles:
        assert titles(db, article) == [site.stories[article.url.rsplit("/", 1)[1]].title]
        details = [
            c.detail for c in db.scalars(select(Check).where(Check.article_id == article.id))
        ]
        # Said where the page was read in full; a later check that finds the same story
        # region (the fast path) reads no canonical anew, and keeps the story where it is.
        assert details[0] == refused and set(details[1:]) <= {refused, "same story region"}


def test_a_redirects_final_url_finds_the_article(site, crawler, add_feed, config):
    site.publish(story("moved-story", feed_link="/go/moved-story"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()

    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSMON_DATABASE_URL": config.database_url}
    done = subprocess.run(
        [sys.executable, "-m", "newsmon", "versions", site.url("/news/moved-story"), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert [v["title"] for v in json.loads(done.stdout)] == [site.stories["moved-story"].title]


@pytest.mark.parametrize("as_alias", [False, True], ids=["article", "alias"])
def test_two_crawls_adding_one_url_at_once_store_it_once(config, add_feed, clock, as_alias):
    """The other crawl commits the same URL between this one's lookup and its insert:
    as a new article, or as the redirect alias of an article it already had."""
    add_feed("gazette", "http://news.example/feeds/rss.xml")
    entry = FeedEntry(url="http://news.example/news/breaking", title="Breaking")
    earlier = FeedEntry(url="http://news.example/news/earlier", title="Earlier")
    ours, theirs = make_engine(config.database_url), make_engine(config.database_url)
    with transaction(theirs) as session:
        add_entries(session, source_id=1, entries=[earlier], now=clock.now())

    def other_crawl_first(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO articles") and not raced:
            raced.append(True)
            with transaction(theirs) as session:
                if as_alias:
                    claim_url(session, entry.url, 1)
                else:
                    add_entries(session, source_id=1, entries=[entry], now=clock.now())

    raced: list[bool] = []
    event.listen(ours, "before_cursor_execute", other_crawl_first)
    with transaction(ours) as session:
        added = add_entries(session, source_id=1, entries=[entry], now=clock.now())
    assert raced and added == 0
    with Session(ours) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == (1 if as_alias else 2)
        assert article_for_url(session, entry.url).id == (1 if as_alias else 2)


@pytest.mark.sqlite_only  # the other writer is a sqlite3 connection: SQLite's one write lock
def test_a_huge_feed_stores_its_newest_entries_in_short_writes(site, crawler, add_feed, config, db):
    site.big_feed_entries = 20_000
    add_feed("wire", site.url("/feeds/big.xml"))
    path = config.database_url.removeprefix("sqlite:///")
    stop, failures, writes = threading.Event(), [], []

    def other_writer() -> None:  # short transactions, each waiting at most 2 s for the lock
        conn = sqlite3.connect(path, timeout=2.0, isolation_level=None)
        while not stop.is_set():
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("UPDATE sources SET name = ? WHERE slug = 'wire'", (str(len(writes)),))
                conn.execute("COMMIT")
                writes.append(1)
            except sqlite3.OperationalError as exc:
                failures.append(str(exc))
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            stop.wait(0.005)
        conn.close()

    writer = threading.Thread(target=other_writer)
    writer.start()
    try:
        stats = crawler.feeds()
    finally:
        stop.set()
        writer.join()

    assert failures == [] and writes
    assert stats.articles_new == 1000
    db.expire_all()
    stored = set(db.scalars(select(Article.url)))
    assert stored == {site.url(f"/news/brief-{i}") for i in range(19_000, 20_000)}
    assert db.scalar(select(Feed.entries_seen)) == 20_000
    assert db.scalar(select(Source.name)) == str(len(writes) - 1)


@pytest.mark.parametrize("etag", [False, True], ids=["plain", "etag"])
def test_text_the_page_settles_on_becomes_the_newest_version(
    site, crawler, add_feed, clock, db, etag
):
    # With an ETag, a 304 after the suppressed check must not hide that the page stayed.
    site.publish(story("rotating-lede", title="Council debates budget", etag=etag))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()  # A
    for title in (
        "Council passes budget",  # B
        "Council debates budget",  # A
        "Council passes budget",  # B
        "Council debates budget",  # A
        "Council passes budget",  # B: A -> B seen twice already, suppressed as flapping
        "Council passes budget",  # B again: the page settled, so B is stored
    ):
        site.edit("rotating-lede", title=title)
        clock.advance(minutes=20)
        crawler.articles()

    article = article_at(db, site.url("/news/rotating-lede"))
    stored = titles(db, article)
    assert len(stored) == 6 and stored[-1] == "Council passes budget"
    outcomes = list(
        db.scalars(select(Check.outcome).where(Check.article_id == article.id).order_by(Check.id))
    )
    assert outcomes[-2:] == ["flapping", "changed"]


def test_a_latin1_page_re_extracted_under_a_new_extractor_adds_no_version(
    site, crawler, add_feed, clock, db
):
    paragraphs = [
        f"Le café de la gare a rouvert ses portes après l'été, a déclaré le maire {i}: "
        "les habitués sont revenus dès l'aube, émus de retrouver leur comptoir préféré."
        for i in range(4)
    ]
    page = story("cafe-reopens", title="Le café rouvre après l'été", charset="iso-8859-1")
    page.paragraphs = paragraphs
    site.publish(page)
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    article = article_at(db, site.url("/news/cafe-reopens"))
    first = db.scalar(select(Version).where(Version.article_id == article.id))
    assert "café" in first.text and first.encoding == "cp1252"  # how Scrapy reads ISO-8859-1

    # The stored version as an older extractor made it: another version label, and one
    # line of boilerplate that the current extractor no longer keeps.
    older_text = first.text + "\nAbonnez-vous à notre lettre"
    db.execute(
        update(Version)
        .where(Version.id == first.id)
        .values(
            extractor="trafilatura 1.0.0+newsmon.0",
            text=older_text,
            content_hash=content_hash(first.title, older_text),
        )
    )
    db.commit()
    clock.advance(minutes=20)
    crawler.articles()

    assert titles(db, article) == ["Le café rouvre après l'été"]
    check = last_check(db, article)
    assert (check.outcome, check.detail) == ("unchanged", "same text under the upgraded extractor")

"""Search stems words by each source's language, and `word*` finds words by their beginning.

Stories in English, German and French are crawled from the local news site into
sources whose language is pinned; every query runs on SQLite and on PostgreSQL with
the same expectations, so English (and every other) query matches the same set on both.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from newsmon.search.query import parse
from newsmon.search.sql import search
from newsmon.storage.db import make_engine, upgrade
from newsmon.storage.models import Article, Source, Version
from tests.newssite import Story

FILLER = " The council will meet again on Thursday to discuss the matter in more detail."
SOURCES = {  # source slug, its language, its feed: [(story slug, headline, body)]
    ("herald", "en", "/feeds/rss.xml"): [
        ("march", "Thousands march", "Protesters filled the square as the protests grew."),
        ("robot", "A new robot", "The company showed a prototype that walks on two legs."),
        ("quote", "A visitor's view", "She said the Häusern of the old town looked tired."),
    ],
    ("zeitung", "de", "/feeds/atom.xml"): [
        ("altstadt", "Die Altstadt", "Die Demonstranten zogen an den Häusern vorbei."),
    ],
    ("journal", "fr", "/feeds/rdf.xml"): [
        ("greve", "La grève", "Les manifestants ont défilé devant la mairie de Lyon."),
    ],
}


@pytest.fixture
def stems_corpus(site, crawler, add_feed, db):
    for (slug, language, feed), stories in SOURCES.items():
        for story, title, body in stories:
            site.publish(Story(slug=story, title=title, paragraphs=[body + FILLER], lang=language))
        add_feed(slug, site.url(feed))
        db.execute(
            update(Source)
            .where(Source.slug == slug)
            .values(language=language, language_pinned=True)
        )
        db.commit()
        crawler.once()
        db.execute(update(Source).where(Source.slug == slug).values(enabled=False))
        db.commit()  # so the next source's feed brings only its own stories
    db.expire_all()
    return db


def found(db, q: str) -> set[str]:
    slugs = {a.id: a.url.rsplit("/", 1)[-1] for a in db.scalars(select(Article))}
    return {slugs[h.article_id] for h in search(db, parse(q)).hits}


def test_english_words_find_their_other_forms(stems_corpus):
    db = stems_corpus
    assert found(db, "protest") == {"march"}  # "Protesters" and "protests" stem to "protest"
    assert found(db, "protester") == {"march"}
    assert found(db, "PROTESTING") == {"march"}
    assert found(db, '"protests grew"') == {"march"}  # a phrase matches stem by stem
    assert found(db, '"protests shrank"') == set()
    assert found(db, "protest -prototype") == {"march"}
    stemmer = select(Version.search_stemmer).where(Version.title == "Thousands march")
    assert db.scalar(stemmer) == "english"
    (hit,) = search(db, parse("protest")).hits
    assert "\x02Protesters\x03 filled the square" in hit.snippet


def test_prefixes_find_every_word_that_begins_so(stems_corpus):
    db = stems_corpus
    assert found(db, "prot*") == {"march", "robot"}  # protesters, protests, prototype
    assert found(db, "protesters*") == {"march"}  # indexed as "protest": found all the same
    assert found(db, "proto*") == {"robot"}
    assert found(db, "Demonstrant*") == {"altstadt"}
    assert found(db, "company -prot*") == set()
    assert found(db, "council -prot*") == {"quote", "altstadt", "greve"}
    (hit,) = search(db, parse("proto*")).hits
    assert "\x02prototype\x03" in hit.snippet


def test_german_and_french_words_are_stemmed_by_their_sources_language(stems_corpus):
    db = stems_corpus
    # German stems "Häusern" and "Haus" alike; the English source's "Häusern" is
    # stemmed as English, which leaves it whole, so "Haus" does not find it.
    assert found(db, "Haus") == {"altstadt"}
    assert found(db, "Häusern") == {"altstadt", "quote"}
    assert found(db, "Demonstrant") == {"altstadt"}
    assert found(db, "manifestant") == {"greve"}  # French: manifestants, manifestant
    assert found(db, "manifestation") == {"greve"}  # French stems it as "manifest" too
    assert found(db, "haus source:herald") == set()
    (hit,) = search(db, parse("Haus")).hits
    assert "\x02Häusern\x03" in hit.snippet


@pytest.mark.empty_database
def test_upgrading_stems_stored_versions(database_url):
    """Versions stored before 0015 are stemmed by their source's language on upgrade."""
    upgrade(database_url, "0011")
    engine = make_engine(database_url)
    at = "'2026-01-01 00:00:00'"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO sources (slug, name, enabled, created_at, language, language_pinned)"
            f" VALUES ('a', 'A', true, {at}, 'en-GB', false)"
        )
        conn.exec_driver_sql(
            "INSERT INTO articles (source_id, url, first_seen_at, status, version_count,"
            " consecutive_errors, consecutive_missing, quiet_since)"
            f" SELECT id, 'https://a.example/x', {at}, 'active', 1, 0, 0, {at} FROM sources"
        )
        conn.exec_driver_sql(
            "INSERT INTO versions (article_id, number, captured_at, content_hash, title, text,"
            " extractor, words_added, words_removed, title_changed, removed_text,"
            " search_terms, removed_terms)"
            f" SELECT id, 0, {at}, 'h', 'Protesters march', 'The protests grew.', 'x', 0, 0,"
            " false, 'no more protests', 'protesters march nmrunbreak the protests grew',"
            " 'no more protests' FROM articles"
        )
    engine.dispose()
    upgrade(database_url)
    from sqlalchemy.orm import Session

    with Session(make_engine(database_url)) as db:
        assert [h.title for h in search(db, parse("protest")).hits] == ["Protesters march"]
        assert len(search(db, parse("removed:protest")).hits) == 1
        assert db.scalar(select(Version.search_stemmer)) == "english"

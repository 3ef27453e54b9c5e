"""Search finds what users type, in every script, the same on SQLite and PostgreSQL.

Stories in many scripts are crawled from the local news site; each search is typed
as on the page and as people type it (the rule: NFKC, case folding, diacritics kept,
unspaced scripts cut into character pairs; newsmon.core.searchterms).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from newsmon.search.query import parse
from newsmon.search.sql import search
from newsmon.storage.db import make_engine, upgrade
from newsmon.storage.models import Article
from tests.newssite import Story

FILLER = " The council will meet again on Thursday to discuss the matter in more detail."
STORIES = {
    "europe": [
        "Die Straße nach İstanbul war gesperrt, sagte die ﬁnance-Abteilung der Stadt.",
        "Critics called the plan nai\u0308ve and said it ignored the harbour.",  # decomposed ï
        "Ο υπουργός Οικονομικών μίλησε στη Βουλή για τον προϋπολογισμό.",
        "Мэр Москвы Сергей Собянин объявил о новых мерах.",
    ],
    "asia": [
        "外交部长王毅今天会见了来访的代表团。",
        "代表团随后访问了东京都政府和大阪府。",
        "รัฐบาลประเทศไทยประกาศนโยบายเศรษฐกิจใหม่ในวันนี้",
    ],
    "health": [
        "भारत सरकार ने नई हिन्दी नीति की घोषणा की।",
        "COVID-19 cases rose again in the capital this week.",
    ],
}
# (query, the story it must find): typed as on the page, and as users type it.
FOUND = [
    ("Straße", "europe"),
    ("strasse", "europe"),  # ß folds to ss: both spellings find each other
    ("STRASSE", "europe"),
    ("İstanbul", "europe"),
    ("istanbul", "europe"),
    ("ﬁnance", "europe"),
    ("finance", "europe"),
    ("nai\u0308ve", "europe"),  # decomposed, as on the page
    ("naïve", "europe"),  # precomposed, as typed
    ("υπουργός", "europe"),  # final sigma, as on the page
    ("υπουργόσ", "europe"),  # typed with σ
    ("ΥΠΟΥΡΓΌΣ", "europe"),
    ("москвы", "europe"),  # capitalised Cyrillic typed lower-case
    ("外交部", "asia"),  # inside 外交部长
    ("外交部长", "asia"),
    ("东京都", "asia"),  # inside a longer run
    ("ประเทศไทย", "asia"),  # inside a longer Thai run
    ("हिन्दी", "health"),
    ("COVID-19", "health"),
    ("covid", "health"),
    ("19", "health"),
    ('"hindi policy"', None),
]


def found(db, q: str) -> set[str]:
    slugs = {a.id: a.url.rsplit("/", 1)[-1] for a in db.scalars(select(Article))}
    return {slugs[h.article_id] for h in search(db, parse(q)).hits}


@pytest.fixture
def scripts_corpus(site, crawler, add_feed, db):
    for slug, paragraphs in STORIES.items():
        site.publish(
            Story(slug=slug, title=f"News {slug}", paragraphs=[p + FILLER for p in paragraphs])
        )
    add_feed("world", site.url("/feeds/rss.xml"))
    crawler.once()
    db.expire_all()
    return db


def test_every_script_is_found_as_typed(scripts_corpus):
    db = scripts_corpus
    wrong = {q: got for q, slug in FOUND if (got := found(db, q)) != ({slug} if slug else set())}
    assert wrong == {}
    # Diacritics are kept: café is not cafe, and a Greek word without its accent differs.
    assert found(db, "υπουργοσ") == set()


def test_snippets_mark_the_hit_in_any_script(scripts_corpus):
    db = scripts_corpus
    (hit,) = search(db, parse("东京都")).hits
    assert "\x02东京都\x03" in hit.snippet
    (hit,) = search(db, parse("strasse")).hits
    assert "\x02Straße\x03" in hit.snippet


@pytest.mark.empty_database
def test_upgrading_reindexes_stored_versions(database_url):
    """Versions stored before 0010 are found by the new rule once the database upgrades."""
    upgrade(database_url, "0007")
    engine = make_engine(database_url)
    at = "'2026-01-01 00:00:00'"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO sources (slug, name, enabled, created_at) VALUES ('a', 'A', true, {at})"
        )
        conn.exec_driver_sql(
            "INSERT INTO articles (source_id, url, first_seen_at, status, version_count,"
            " consecutive_errors, consecutive_missing, quiet_since)"
            f" SELECT id, 'https://a.example/x', {at}, 'active', 1, 0, 0, {at} FROM sources"
        )
        conn.exec_driver_sql(
            "INSERT INTO versions (article_id, number, captured_at, content_hash, title, text,"
            " extractor, words_added, words_removed, title_changed, added_text)"
            f" SELECT id, 0, {at}, 'h', 'Straße', '外交部长会见代表团', 'x', 0, 0, false,"
            " 'COVID-19' FROM articles"
        )
    engine.dispose()
    upgrade(database_url)
    from sqlalchemy.orm import Session

    with Session(make_engine(database_url)) as db:
        assert [h.title for h in search(db, parse("strasse 外交部")).hits] == ["Straße"]
        assert len(search(db, parse("added:19")).hits) == 1

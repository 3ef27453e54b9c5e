"""Full-text search over every version, and over what each version removed or added.

The corpus comes from real crawls of the local news site (tests/search_corpus.py).
Every test runs on SQLite and on PostgreSQL (tests/conftest.py) with the same
expectations: the results agree.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from newsmon.search.query import Cursor, QueryError, parse
from newsmon.search.snippets import MARK_END, MARK_START
from newsmon.search.sql import search
from newsmon.storage.db import ensure_schema
from newsmon.web.app import create_app
from tests.search_corpus import build

ROOT = Path(__file__).resolve().parent.parent


def hits(db, q: str, **kwargs) -> list[tuple[int, int]]:
    """(article id, version number) of each hit, newest first."""
    return [(h.article_id, h.version) for h in search(db, parse(q), **kwargs).hits]


@pytest.fixture
def corpus(site, crawler, add_feed, clock, db):
    return build(site, crawler, add_feed, clock, db)


def test_words_find_old_bodies_and_old_headlines_and_narrow(corpus, db):
    c = corpus
    # Only version 0 of the harbour story mentioned the zeppelin mural.
    assert hits(db, "zeppelin") == [(c.harbour, 0)]
    # "crews" was only in the harbour story's first headline (versions 0 and 1).
    page = search(db, parse("Crews"))
    assert [(h.article_id, h.version, h.matching_versions) for h in page.hits] == [
        (c.harbour, 1, 2)
    ]
    hit = page.hits[0]
    assert hit.title == "Harbour fire: crews battle blaze"
    assert hit.current_title == "Harbour fire: arson suspected, say investigators"
    assert f"{MARK_START}crews{MARK_END}" in hit.snippet
    # One hit per article: its newest matching version.
    assert hits(db, "ceasefire") == [(c.talks, 2)]
    assert hits(db, "nothing-like-this") == []
    # Phrases, exclusions and sources narrow.
    assert sorted(hits(db, '"according to police"')) == [(c.harbour, 0), (c.bridge, 0)]
    assert sorted(hits(db, "closed")) == [(c.talks, 2), (c.bridge, 1)]
    assert hits(db, "closed -venue") == [(c.bridge, 1)]
    assert hits(db, 'closed -"whole day"') == [(c.bridge, 1)]
    assert hits(db, "closed source:gazette") == [(c.talks, 2)]
    assert hits(db, '"according to police" source:herald') == [(c.bridge, 0)]


def test_removed_added_and_classes_find_exactly_the_pairs(corpus, db):
    c = corpus
    # Left the harbour and bridge stories at their version 1; the talks story lost
    # "according to" and "Police" in two separate runs, which is not the phrase.
    assert sorted(hits(db, 'removed:"according to police"')) == [(c.harbour, 1), (c.bridge, 1)]
    assert sorted(hits(db, "removed:police")) == [(c.harbour, 1), (c.talks, 1), (c.bridge, 1)]
    assert hits(db, "added:ceasefire") == [(c.talks, 2)]
    assert hits(db, "removed:ceasefire") == []
    assert hits(db, 'removed:"according to police" source:herald') == [(c.bridge, 1)]
    assert hits(db, "removed:police harbour") == [(c.harbour, 1)]
    assert hits(db, "removed:crews") == [(c.harbour, 2)]  # headline words count too
    page = search(db, parse('removed:"according to police" source:gazette'))
    assert page.hits[0].snippet.startswith("removed: ")
    assert f"{MARK_START}according to police{MARK_END}" in page.hits[0].snippet
    # Headline rewrites and change classes.
    assert hits(db, "headline:changed") == [(c.harbour, 2)]
    assert hits(db, "class:minor") == [(c.harbour, 3)]
    assert sorted(hits(db, "class:edit")) == [
        (c.harbour, 1),
        (c.talks, 1),
        (c.talks, 2),
        (c.bridge, 1),
    ]
    # A cursor pages through every hit once.
    every = hits(db, "council", limit=100)
    assert len(every) == 3
    seen, cursor = [], None
    while True:
        page = search(db, parse("council"), limit=1, cursor=cursor)
        seen += [(h.article_id, h.version) for h in page.hits]
        if page.next_cursor is None:
            break
        cursor = Cursor.decode(page.next_cursor)
    assert seen == every


@pytest.mark.parametrize(
    "query", ["", "-police", "class:huge", "headline:same", " ".join(["w"] * 17), "p*", "-x*"]
)
def test_unusable_queries_say_why(query):
    with pytest.raises(QueryError):
        parse(query)


def test_query_syntax_never_reaches_the_engine(db):
    # FTS5 and tsquery operators in user text are just punctuation between words.
    for q in ["NEAR(police", 'police" OR "x', "a & !b | cd:*", "{title}: police", "^police*"]:
        search(db, parse(q))


@pytest.mark.sqlite_only  # no database behaviour beyond the other tests'
def test_web_api_and_cli_give_the_same_hits(corpus, site, config, clock):
    c = corpus
    client = TestClient(create_app(config, clock))
    page = client.get("/search", params={"q": "zeppelin"})
    assert page.status_code == 200
    assert "<mark>zeppelin</mark> mural" in page.text.replace("<mark>Zeppelin", "<mark>zeppelin")
    words = re.sub(r"<[^>]+>", "", page.text)
    assert f'href="/articles/{c.harbour}"' in page.text and "now: Harbour fire: arson" in words
    pasted = client.get(
        "/search", params={"q": site.url("/news/bridge?utm_source=x")}, follow_redirects=False
    )
    assert pasted.status_code == 303 and pasted.headers["location"] == f"/articles/{c.bridge}"
    assert client.get("/search", params={"q": "class:huge"}).status_code == 400

    api = client.get("/api/search", params={"q": "removed:police", "limit": 2}).json()
    assert len(api["hits"]) == 2 and api["next_cursor"]
    rest = client.get(
        "/api/search", params={"q": "removed:police", "cursor": api["next_cursor"]}
    ).json()
    got = sorted((h["article_id"], h["version"]) for h in api["hits"] + rest["hits"])
    with Session(ensure_schema(config.database_url)) as db:
        assert got == sorted(hits(db, "removed:police"))
    assert rest["next_cursor"] is None
    assert "/api/search" in client.get("/api/openapi.json").json()["paths"]

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = ["search", "--json", "removed:police"]
    cli = subprocess.run(
        [sys.executable, "-m", "newsmon", "--db", config.database_url, *command],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert cli.returncode == 0, cli.stderr
    assert sorted((h["article_id"], h["version"]) for h in json.loads(cli.stdout)["hits"]) == got


@pytest.mark.parametrize("token", ["%%", "bm90IGEgY3Vyc29y", "MjAyNi0wMS0wMVQwMDowMHwx", "eHw5"])
def test_forged_cursors_are_refused(token):
    # Not base64, no separator, a naive time ("2026-01-01T00:00|1"), garbage ("x|9").
    with pytest.raises(QueryError):
        Cursor.decode(token)

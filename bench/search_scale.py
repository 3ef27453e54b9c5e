"""Search at scale: word, prefix and `removed:` queries over 1,000,000 versions (SQLite FTS5).

Run on demand: `python bench/search_scale.py [VERSIONS]` (bench/scale.py runs it too).
Builds the database through the real migrations, so the FTS5 index is filled by the
same triggers that index versions in production, then prints each query's best time
of three, its query plan, and its ratio to a plain LIKE scan of the same table
measured in the same process (the search newsmon had before). The source is English,
so every version is indexed with English stems, as a capture would be; a query is
stemmed once per Snowball algorithm, and "police" gives several stemmings, so the
`removed:` query also shows the cost of matching each group of them.
"""

from __future__ import annotations

import itertools
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import timed

from newsmon.core.searchterms import indexed_runs, indexed_version, stemmer_for

VERSIONS_PER_ARTICLE = 5
WORDS = 60  # body words per version


def vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(size)]


def populate(engine, versions: int, now: datetime) -> None:
    """Articles with 5 versions each; 1 in 10,000 bodies says "ceasefire", and 1 in
    10,000 versions removed "according to police" (another 1 in 10,000 removed
    "according to" and "police" as two separate runs, which must not match)."""
    rng = random.Random(9)
    stemmer = stemmer_for("en")
    vocab = vocabulary(rng)
    cum = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocab))))  # Zipf-like
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO sources (slug, name, enabled, created_at, language) "
            "VALUES ('s', 's', 1, ?, 'en')",
            (now.strftime(fmt),),
        )
        _articles(conn, versions // VERSIONS_PER_ARTICLE, now.strftime(fmt))
        batch = []
        for i in range(versions):
            body = rng.choices(vocab, cum_weights=cum, k=WORDS)
            removed = " ".join(rng.choices(vocab, cum_weights=cum, k=3))
            if i % 10_000 == 17:
                body[10] = "ceasefire"
            if i % 10_000 == 4242:
                removed = "according to police"
            if i % 10_000 == 777:
                removed = "according to\npolice"
            at = now - timedelta(minutes=versions - i)
            number = i % VERSIONS_PER_ARTICLE
            title, text, runs = " ".join(body[:8]), " ".join(body), removed if number else None
            batch.append(
                (
                    i // VERSIONS_PER_ARTICLE + 1,
                    number,
                    at.strftime(fmt),
                    title,
                    text,
                    runs,
                    "edit" if number else None,
                    indexed_version(title, text, stemmer),  # as the Version model does
                    indexed_runs(runs, stemmer),
                    stemmer,
                )
            )
            if len(batch) == 20_000:
                _insert(conn, batch)
                batch = []
        _insert(conn, batch)
        conn.exec_driver_sql("ANALYZE")


def _articles(conn, count: int, at: str) -> None:
    conn.exec_driver_sql(
        "INSERT INTO articles (id, source_id, url, first_seen_at, quiet_since, status, "
        "version_count, consecutive_errors, consecutive_missing) VALUES "
        "(?, 1, ?, ?, ?, 'active', 5, 0, 0)",
        [(i + 1, f"https://example.org/{i}", at, at) for i in range(count)],
    )


def _insert(conn, batch) -> None:
    if batch:
        conn.exec_driver_sql(
            "INSERT INTO versions (article_id, number, captured_at, content_hash, title, text, "
            "extractor, words_added, words_removed, title_changed, removed_text, change_class, "
            "search_terms, removed_terms, search_stemmer) "
            "VALUES (?, ?, ?, 'h', ?, ?, 'x', 1, 1, 0, ?, ?, ?, ?, ?)",
            batch,
        )


def plan(session, statement) -> str:
    compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    rows = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").fetchall()
    return "\n".join(f"    {row[-1]}" for row in rows)


def main(versions: int | None = None) -> int:
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from newsmon.search.query import parse
    from newsmon.search.sql import _page_query, search
    from newsmon.storage.db import make_engine, upgrade

    versions = versions or (int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/search.db"
        upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        populate(engine, versions, now)
        print(f"built and indexed {versions:,} versions in {time.perf_counter() - started:.1f}s")
        with Session(engine) as session:
            scan, _ = timed(
                lambda: session.execute(
                    text("SELECT count(*) FROM versions WHERE text LIKE '%ceasefire%'")
                ).scalar(),
                1,
            )
            print(f"baseline LIKE scan            {scan * 1000:8.1f} ms")
            queries = (
                "ceasefire",
                "ceasefires",
                "ceasef*",
                'removed:"according to police"',
                "ceasefire source:s",
            )
            for q in queries:
                query = parse(q)
                took, page = timed(lambda query=query: search(session, query, limit=20))
                print(
                    f"\n{q!r}: {len(page.hits)} hits  {took * 1000:8.1f} ms  "
                    f"({took / scan:.4f}x the scan)"
                )
                print(plan(session, _page_query(session, query, limit=21, cursor=None)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

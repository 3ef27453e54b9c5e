"""Scale benchmark: the due-article query and the freeze sweep over 1,000,000 articles.

Run on demand: `python bench/scale.py [ROWS]`. Builds a SQLite database (mixed
ages and states) through the real migrations, then prints the time of the
due query for one batch and of the freeze sweep, their query plans, and their
ratio to one full scan of the table measured in the same process. Then the
search part (bench/search_scale.py): word and `removed:` queries over as many versions.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def populate(engine, rows: int, now: datetime) -> None:
    rng = random.Random(7)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO sources (slug, name, enabled, created_at) VALUES ('s', 's', 1, ?)",
            (now.strftime(fmt),),
        )
        batch = []
        for i in range(rows):
            age = timedelta(days=rng.uniform(0, 120))
            quiet = now - age * rng.random()
            status = (
                "frozen" if age > timedelta(days=60) else rng.choice(["active"] * 18 + ["gone"])
            )
            nxt = None if status == "frozen" else quiet + timedelta(hours=rng.uniform(0, 48))
            batch.append(
                (
                    f"https://example.org/{i}",
                    (now - age).strftime(fmt),
                    quiet.strftime(fmt),
                    status,
                    nxt.strftime(fmt) if nxt else None,
                )
            )
            if len(batch) == 50_000:
                _insert(conn, batch)
                batch = []
        _insert(conn, batch)
        conn.exec_driver_sql("ANALYZE")


def _insert(conn, batch) -> None:
    if batch:
        conn.exec_driver_sql(
            "INSERT INTO articles (source_id, url, first_seen_at, quiet_since, last_changed_at, "
            "status, next_check_at, version_count, consecutive_errors, consecutive_missing) "
            "VALUES (1, ?, ?, ?, ?, ?, ?, 1, 0, 0)",
            [(u, f, q, q, s, n) for u, f, q, s, n in batch],
        )


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def plan(conn, statement) -> str:
    compiled = statement.compile(conn, compile_kwargs={"literal_binds": True})
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").fetchall()
    return "\n".join(f"    {row[-1]}" for row in rows)


def main() -> int:
    from sqlalchemy import select, text, update
    from sqlalchemy.orm import Session

    from newsmon.crawl.claims import ClaimRequest, claim_articles
    from newsmon.record.policy import RecheckPolicy
    from newsmon.record.store import freeze_quiet
    from newsmon.storage.db import make_engine, upgrade
    from newsmon.storage.models import Article

    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/scale.db"
        upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        populate(engine, rows, now)
        print(f"built {rows:,} articles in {time.perf_counter() - started:.1f}s")
        policy = RecheckPolicy()
        with engine.connect() as conn:
            scan, _ = timed(
                lambda: conn.execute(
                    text("SELECT count(*) FROM articles NOT INDEXED WHERE url LIKE '%x%'")
                ).scalar()
            )
            due_sql = (
                select(Article.next_check_at, Article.id)
                .where(Article.status == "active", Article.next_check_at <= now)
                .order_by(Article.next_check_at)
                .limit(120)
            )
            sweep_sql = (
                update(Article)
                .where(Article.status == "active", Article.quiet_since <= policy.freeze_cutoff(now))
                .values(status="frozen")
            )
            print("due query plan:\n" + plan(conn, due_sql))
            print("freeze sweep plan:\n" + plan(conn, sweep_sql))
        with Session(engine) as session:
            claim = ClaimRequest(
                now=now, until=now + timedelta(minutes=10), limit=30, per_host=10**6, busy={}
            )
            due_t, tasks = timed(lambda: claim_articles(session, claim))
            session.rollback()
        with Session(engine) as session:
            sweep_t, frozen = timed(lambda: freeze_quiet(session, now=now, policy=policy), 1)
            session.commit()
        print(f"baseline full scan          {scan * 1000:8.1f} ms")
        print(
            f"claim of {len(tasks)} due articles {due_t * 1000:8.1f} ms  "
            f"({due_t / scan:.3f}x the scan)"
        )
        print(
            f"freeze sweep, {frozen:,} frozen {sweep_t * 1000:8.1f} ms  "
            f"({sweep_t / scan:.3f}x the scan)"
        )
    from search_scale import main as search_main  # the search part (issue 9), same row count

    return search_main(rows)


if __name__ == "__main__":
    raise SystemExit(main())

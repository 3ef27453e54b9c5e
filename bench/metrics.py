"""What one /metrics scrape (and /healthz) costs the database, at scale.

Run on demand: `python bench/metrics.py [ROWS]` (default 1,000,000 articles, each with
one version). Builds a SQLite database through the real migrations (articles from
bench/scale.py), then prints the time of the database gauges' queries next to one
full scan of the articles table in the same process, and the query plans.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def add_versions(engine) -> None:
    """One small version per article, as after a first crawl."""
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO versions (article_id, number, captured_at, content_hash, title, text, "
            "extractor, words_added, words_removed, title_changed) "
            "SELECT id, 0, first_seen_at, 'h', 't', 'x', 'e', 0, 0, 0 FROM articles"
        )
        conn.exec_driver_sql("ANALYZE")


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main(rows: int) -> None:
    from bench.scale import populate
    from newsmon.crawl.metrics import schedule_state
    from newsmon.storage.db import make_engine, upgrade

    now = datetime(2026, 3, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/metrics.db"
        upgrade(url)
        engine = make_engine(url)
        populate(engine, rows, now)
        add_versions(engine)
        state = schedule_state(engine, now=now)
        scrape = best_of(5, lambda: schedule_state(engine, now=now))
        with engine.connect() as conn:

            def full_scan() -> None:
                conn.exec_driver_sql("SELECT count(*) FROM articles WHERE url LIKE '%zz%'").all()

            scan = best_of(5, full_scan)
            due_sql = (
                "SELECT count(*), min(next_check_at) FROM articles "
                "WHERE status IN ('active', 'gone') AND next_check_at <= ?"
            )
            stamp = now.strftime("%Y-%m-%d %H:%M:%S")
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {due_sql}", (stamp,)).all()
        print(
            f"articles {rows:,}; due backlog {state.due_backlog:,}; "
            f"schedule lag {state.schedule_lag_seconds:,.0f} s"
        )
        print(f"database gauges (one scrape): {scrape * 1000:.1f} ms")
        print(f"one full scan of articles:    {scan * 1000:.1f} ms")
        print(f"ratio scrape / full scan:     {scrape / scan:.2f}")
        print("due backlog plan:", "; ".join(str(row[-1]) for row in plan))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)

"""Backup benchmark: `newsmon db backup` of a SQLite database against SQLite's own
`VACUUM INTO`, and what a backup costs a writer that keeps committing meanwhile.

Run on demand: `python bench/backup.py [VERSIONS]` (default 10,000). Builds a database
through the real migrations (bench/export.py's rows: a few KB of text and compressed
raw HTML a version), then in this one process:

- the time of `VACUUM INTO` (the other consistent copy SQLite offers) as the baseline,
  and of newsmon's backup (the copy in 4 MiB steps, then `PRAGMA integrity_check` of
  it) as a ratio of that;
- a writer process committing one check row at a time, as the service does: its
  commits per second while nothing else runs, and during a backup, with the slowest
  commit of each. A reader in WAL mode does not block writers, so the
  ratio should stay near 1 apart from the two cores being shared.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def write_until(path: str, stop, results) -> None:
    """In its own process, as the service is: commit one `checks` row a transaction until
    `stop` is set, then report (commits, slowest commit in seconds)."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")
    commits, slowest = 0, 0.0
    while not stop.is_set():
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO checks (article_id, at, outcome) "
            "VALUES (1, '2026-03-02 09:00:00.000000', 'unchanged')"
        )
        conn.execute("COMMIT")
        commits += 1
        slowest = max(slowest, time.perf_counter() - started)
    conn.close()
    results.put((commits, slowest))


def writes_during(path: Path, work) -> tuple[float, float, float]:
    """(commits per second, slowest commit in ms, seconds) while `work()` runs."""
    stop, results = multiprocessing.Event(), multiprocessing.Queue()
    writer = multiprocessing.Process(target=write_until, args=(str(path), stop, results))
    writer.start()
    with closing(sqlite3.connect(path, timeout=30)) as conn:
        count = "SELECT count(*) FROM checks"
        before = conn.execute(count).fetchone()[0]
        while (at_start := conn.execute(count).fetchone()[0]) == before:
            pass  # until the writer is up and committing
        started = time.perf_counter()
        work()
        elapsed = time.perf_counter() - started
        at_end = conn.execute(count).fetchone()[0]
    stop.set()
    _, slowest = results.get()
    writer.join()
    return (at_end - at_start) / elapsed, slowest * 1000, elapsed


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    from bench.export import populate
    from newsmon.storage.backup import backup
    from newsmon.storage.db import dispose_engine, ensure_schema

    versions = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as folder:
        live = Path(folder) / "live.db"
        url = f"sqlite:///{live}"
        populate(ensure_schema(url), versions)
        dispose_engine(url)
        size = live.stat().st_size / 1e6

        def vacuum_into(n: list[int] = [0]) -> None:  # noqa: B006 - a counter across calls
            n[0] += 1
            with sqlite3.connect(live) as conn:
                conn.execute("VACUUM INTO ?", (f"{folder}/vacuum{n[0]}.db",))

        def newsmon_backup(n: list[int] = [0]) -> None:  # noqa: B006
            n[0] += 1
            backup(url, Path(folder) / f"backup{n[0]}.db")

        vacuum_into()  # warm the page cache before anything is timed
        baseline = min(timed(vacuum_into) for _ in range(3))
        ours = min(timed(newsmon_backup) for _ in range(3))
        print(f"database: {versions} versions, {size:.0f} MB")
        print(f"VACUUM INTO (baseline)           {baseline:6.2f} s")
        print(
            f"newsmon backup (copy + check)    {ours:6.2f} s  "
            f"ratio {ours / baseline:.2f} to VACUUM INTO"
        )

        idle_rate, idle_worst, _ = writes_during(live, lambda: time.sleep(ours))
        busy_rate, busy_worst, took = writes_during(live, newsmon_backup)
        print(
            f"writer alone                     {idle_rate:7.0f} commits/s, "
            f"slowest {idle_worst:.1f} ms"
        )
        print(
            f"writer during a backup ({took:.2f} s)  {busy_rate:7.0f} commits/s, slowest "
            f"{busy_worst:.1f} ms: ratio {busy_rate / idle_rate:.2f} to the writer alone"
        )


if __name__ == "__main__":
    main()

"""Export memory benchmark: peak memory of a 10,000-version export vs a 1,000-version one.

Run on demand: `python bench/export.py [SMALL] [LARGE]`. Builds two SQLite databases
through the real migrations (5 versions per article, a few KB of text and compressed
raw HTML each), exports each in every format to /dev/null through the same functions
`newsmon export` uses, and prints tracemalloc's peak for each and the ratio
large/small. A streaming export stays flat: a ratio near 1, not near LARGE/SMALL.
"""

from __future__ import annotations

import io
import os
import random
import sys
import tempfile
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WORDS = [
    "minister",
    "council",
    "harbour",
    "bridge",
    "strike",
    "vote",
    "budget",
    "fire",
    "tram",
    "school",
    "report",
]
VERSIONS_PER_ARTICLE = 5


def populate(engine, versions: int) -> None:
    """`versions` versions over versions/5 articles, inserted in bulk with plain SQL."""
    rng = random.Random(7)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    now = datetime(2026, 3, 2, tzinfo=UTC)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO sources (slug, name, enabled, created_at) VALUES ('s', 'S', 1, ?)",
            (now.strftime(fmt),),
        )
        articles = versions // VERSIONS_PER_ARTICLE
        conn.exec_driver_sql(
            "INSERT INTO articles (source_id, url, title, first_seen_at, quiet_since, status, "
            "version_count, consecutive_errors, consecutive_missing) "
            "VALUES (1, ?, ?, ?, ?, 'active', ?, 0, 0)",
            [
                (
                    f"https://example.org/{i}",
                    f"Story {i}",
                    now.strftime(fmt),
                    now.strftime(fmt),
                    VERSIONS_PER_ARTICLE,
                )
                for i in range(1, articles + 1)
            ],
        )
        rows = []
        for article in range(1, articles + 1):
            for number in range(VERSIONS_PER_ARTICLE):
                text = " ".join(rng.choice(WORDS) for _ in range(600))
                html = f"<html><body><h1>Story {article}</h1><p>{text}</p></body></html>"
                at = (now + timedelta(hours=number)).strftime(fmt)
                rows.append(
                    (
                        article,
                        number,
                        at,
                        f"{article:032x}{number:032x}",
                        f"Story {article}",
                        text,
                        zlib.compress(html.encode(), 6),
                        "utf-8",
                    )
                )
        conn.exec_driver_sql(
            "INSERT INTO versions (article_id, number, captured_at, content_hash, title, text, "
            "raw_html, encoding, extractor, words_added, words_removed, title_changed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'bench', 0, 0, 0)",
            rows,
        )


def peak_bytes(engine, fmt: str) -> int:
    """tracemalloc's peak while exporting everything in `fmt` to /dev/null."""
    from newsmon.read.export import Selection, stream_versions, write_csv, write_jsonl
    from newsmon.read.warc import write_warc
    from newsmon.storage.db import transaction

    with open(os.devnull, "wb") as sink:
        tracemalloc.start()
        with transaction(engine) as session:
            rows = stream_versions(session, Selection(), raw=fmt == "warc")
            if fmt == "warc":
                steps = write_warc(rows, sink)
            else:
                text = io.TextIOWrapper(sink, encoding="utf-8", newline="")
                steps = (write_csv if fmt == "csv" else write_jsonl)(rows, text)
            count = sum(steps)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert count > 0
    return peak


def main() -> None:
    from newsmon.storage.db import ensure_schema

    small, large = (int(a) for a in (sys.argv[1:3] if len(sys.argv) > 2 else (1000, 10000)))
    with tempfile.TemporaryDirectory() as folder:
        engines = {}
        for size in (small, large):
            engines[size] = ensure_schema(f"sqlite:///{Path(folder) / f'{size}.db'}")
            populate(engines[size], size)
        for fmt in ("jsonl", "csv", "warc"):
            peaks = {size: peak_bytes(engines[size], fmt) for size in (small, large)}
            print(
                f"{fmt:5}  peak {peaks[small] / 1e6:6.2f} MB for {small} versions, "
                f"{peaks[large] / 1e6:6.2f} MB for {large}: ratio {peaks[large] / peaks[small]:.2f}"
                f" (the data grew {large / small:.0f}x)"
            )


if __name__ == "__main__":
    main()

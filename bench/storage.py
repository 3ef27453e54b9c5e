"""Storage benchmark: is compressing `versions.text` worth it, and what a live page stores.

Run on demand: `python bench/storage.py [MB]` (default 7.5, the issue's page). The text is
English prose (this repository's README and ARCHITECTURE, paragraphs numbered so no
paragraph repeats within zlib's window). Baseline: SHA-256 of the text, which every
capture already pays; times print as multiples of it. Sizes print as ratios to the text.

It measures, in one SQLite file: the text's zlib size; the FTS5 index (migration 0005's
external-content table) the text needs beside it; and, for a page rewritten on every check,
the bytes one day of 15-minute checks stores with a zlib raw copy per version (before)
against raw pages thinned by the live-page rule (after).
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
import tempfile
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsmon.record.retention import PageFacts, RetentionRule, kept  # noqa: E402


def prose(megabytes: float) -> str:
    paragraphs = [
        p.strip()
        for name in ("README.md", "ARCHITECTURE.md")
        for p in (ROOT / name).read_text("utf-8").split("\n\n")
        if len(p.strip()) > 80
    ]
    out, size, n = [], 0, 0
    while size < megabytes * 1024 * 1024:
        paragraph = f"({n}) {paragraphs[n % len(paragraphs)]}"
        out.append(paragraph)
        size += len(paragraph.encode()) + 2
        n += 1
    return "\n\n".join(out)


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def fts_bytes(text: str) -> tuple[int, int]:
    """(bytes of the versions table, bytes of its FTS5 index) in a fresh SQLite file."""
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "bench.db")
        db.execute("CREATE TABLE versions (id INTEGER PRIMARY KEY, text TEXT)")
        db.execute(
            "CREATE VIRTUAL TABLE version_fts USING fts5(text, content='versions', "
            "content_rowid='id')"
        )
        db.execute("INSERT INTO versions (id, text) VALUES (1, ?)", (text,))
        db.execute("INSERT INTO version_fts (rowid, text) VALUES (1, ?)", (text,))
        db.commit()
        sizes = dict(db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall())
        db.close()
    index = sum(v for k, v in sizes.items() if k.startswith("version_fts"))
    return sizes.get("versions", 0), index


def main(megabytes: float = 7.5) -> None:
    text = prose(megabytes)
    data = text.encode()
    base, _ = timed(lambda: hashlib.sha256(data).digest())
    print(f"text: {len(data) / 1e6:.1f} MB; baseline SHA-256 {base * 1000:.1f} ms")
    for level in (1, 6, 9):
        seconds, packed = timed(lambda level=level: zlib.compress(data, level))
        back, _ = timed(lambda packed=packed: zlib.decompress(packed))
        print(
            f"zlib {level}: {len(packed) / len(data):.2f} of the text, compress "
            f"{seconds / base:.1f}x baseline, decompress {back / base:.1f}x baseline"
        )
    table, index = fts_bytes(text)
    print(f"SQLite: versions table {table / len(data):.2f}, FTS5 index {index / len(data):.2f}")

    page = zlib.compress(f"<html><body><p>{text}</p></body></html>".encode(), 6)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    day = [PageFacts(n, n, start + timedelta(minutes=15 * n), 40) for n in range(96)]
    keep = kept(day, rule=RetentionRule(), latest=95)
    before = 96 * (len(data) + len(page))
    after = 96 * len(data) + len(keep) * len(page)
    print(
        f"live page, 96 checks a day: raw pages kept {len(keep)} of 96; stored "
        f"{before / 96 / 1e6:.1f} MB a check before, {after / 96 / 1e6:.1f} MB after "
        f"(ratio {after / before:.2f}; text {len(data) / 1e6:.1f} MB of it, plus its index)"
    )


if __name__ == "__main__":
    main(*(float(a) for a in sys.argv[1:2]))

"""Audit benchmark: `newsmon verify` (newsmon.ledger.audit.verify) over a million versions.

Run on demand: `python bench/verify.py [VERSIONS]` (default 1,000,000). Builds a SQLite
database through the real migrations: articles of four versions each, small texts and
raw pages, every version sealed with its real record hash chained to the one before it
(inserted in bulk through SQLAlchemy Core), then the log's leaves and one signed
checkpoint written by `newsmon.ledger.log.write_checkpoint`, as the service writes them.

Two baselines in the same process, so the figures compare across machines: hashing the
same texts alone (the least any audit must do per version), and reading the audited
columns with one Core query (the least the database costs). The audit recomputes far more
(the raw page's hash after decompressing it, the whole record hash, the chain, the leaf
and the Merkle root), so it is expected at a small multiple of these, not near them.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from newsmon.ledger.audit import verify
from newsmon.ledger.log import write_checkpoint
from newsmon.ledger.record import VersionRecord, record_hash
from newsmon.storage.db import ensure_schema
from newsmon.storage.models import Article, Source, Version

PER_ARTICLE = 4
BATCH = 20_000
EXTRACTOR = "trafilatura-2.0/newsmon-1"
START = datetime(2026, 1, 1, tzinfo=UTC)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def story(article: int, number: int) -> str:
    return f"Story {article}, as told at version {number}: the council met on Tuesday."


def version_rows(articles: int) -> Iterator[dict[str, object]]:
    """Every version, sealed as capture seals it: each record chained to the previous one."""
    vid = 0
    for a in range(1, articles + 1):
        url = f"https://news.example/{a}"
        previous: bytes | None = None
        for n in range(PER_ARTICLE):
            vid += 1
            body = story(a, n)
            raw = f"<html><h1>Headline {a}</h1><p>{body}</p></html>".encode()
            at = START + timedelta(seconds=vid)
            record = VersionRecord.create(
                article_url=url,
                fetched_url=url,
                version=n,
                captured_at=at,
                title=f"Headline {a}",
                byline=None,
                text=body,
                raw=raw,
                extractor=EXTRACTOR,
                previous=previous,
            )
            previous = record_hash(record)
            yield {
                "id": vid,
                "article_id": a,
                "number": n,
                "captured_at": at,
                "content_hash": record.text_sha256,
                "title": f"Headline {a}",
                "text": body,
                "raw_html": zlib.compress(raw),
                "fetched_url": url,
                "extractor": EXTRACTOR,
                "record_hash": previous.hex(),
                "record_url": url,
                "raw_sha256": record.raw_sha256,
                "chained": "capture",
            }


def build(url: str, versions: int, key: Ed25519PrivateKey) -> None:
    engine = ensure_schema(url)
    articles = versions // PER_ARTICLE
    with engine.begin() as conn:
        # The search index's insert trigger is dropped in this throwaway copy only: the
        # audit never reads the index, and a million FTS inserts would double the build.
        conn.execute(text("DROP TRIGGER IF EXISTS versions_fts_ai"))
        conn.execute(insert(Source), [{"id": 1, "slug": "s", "name": "S", "created_at": START}])
        for first in range(1, articles + 1, BATCH):
            conn.execute(
                insert(Article),
                [
                    {
                        "id": a,
                        "source_id": 1,
                        "url": f"https://news.example/{a}",
                        "first_seen_at": START,
                        "quiet_since": START,
                        "status": "active",
                        "version_count": PER_ARTICLE,
                    }
                    for a in range(first, min(first + BATCH, articles + 1))
                ],
            )
        batch: list[dict[str, object]] = []
        for row in version_rows(articles):
            batch.append(row)
            if len(batch) == BATCH:
                conn.execute(insert(Version), batch)
                batch = []
        if batch:
            conn.execute(insert(Version), batch)
    with Session(engine) as session, session.begin():
        write_checkpoint(session, key, now=START + timedelta(days=1))


def hash_texts(url: str) -> int:
    """Baseline 1: SHA-256 of every stored text (read first, then timed alone)."""
    with ensure_schema(url).connect() as conn:
        texts = [t.encode() for (t,) in conn.execute(select(Version.text))]
    seconds, _ = timed(lambda: [hashlib.sha256(t).digest() for t in texts])
    return seconds, len(texts)


def read_columns(url: str) -> float:
    """Baseline 2: one Core query over the columns the audit reads, in its order."""
    columns = (
        Version.article_id,
        Version.number,
        Version.captured_at,
        Version.title,
        Version.byline,
        Version.text,
        Version.raw_html,
        Version.fetched_url,
        Version.extractor,
        Version.record_hash,
        Version.record_url,
        Version.raw_sha256,
        Version.chained,
    )
    query = select(*columns).order_by(Version.article_id, Version.number)
    with ensure_schema(url).connect() as conn:
        seconds, _ = timed(lambda: sum(1 for _ in conn.execute(query)))
    return seconds


def main(versions: int = 1_000_000) -> None:
    key = Ed25519PrivateKey.generate()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'verify.db'}"
        seconds, _ = timed(lambda: build(url, versions, key))
        print(f"built {versions:,} sealed versions, leaves and a checkpoint in {seconds:.1f} s")
        hashing, n = hash_texts(url)
        reading = read_columns(url)
        print(f"baseline, hashing the texts alone: {n / hashing:,.0f} versions/s")
        print(f"baseline, reading the audited columns: {n / reading:,.0f} versions/s")
        with Session(ensure_schema(url)) as session:
            seconds, report = timed(lambda: verify(session, key.public_key()))
        assert not report.failures, report.failures[:5]
        assert (report.versions, report.leaves, report.checkpoints) == (n, n, 1)
        rate = n / seconds
        print(
            f"verify: {seconds:.1f} s, {rate:,.0f} versions/s, "
            f"{seconds / hashing:.1f}x hashing, {seconds / reading:.1f}x reading"
        )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))

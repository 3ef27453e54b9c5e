"""Exports for researchers: every stored version as JSON Lines, CSV or WARC, streamed.

One query streams the versions (joined to their article and source) in article order,
`yield_per` rows at a time, so memory stays flat however large the archive; the writers
here and in `newsmon.read.warc` turn rows into records without holding more than one article.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import IO, Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from newsmon.ledger.checkpoint import Checkpoint
from newsmon.ledger.published import Covering, checkpoint_fields
from newsmon.read import shapes
from newsmon.storage.models import Article, LedgerLeaf, Source, Version
from newsmon.storage.rawpages import raw_column

BATCH = 500
CSV_COLUMNS = (
    "source",
    "article_id",
    "url",
    "status",
    "version",
    "captured_at",
    "title",
    "byline",
    "words_added",
    "words_removed",
    "title_changed",
    "content_hash",
    "extractor",
    "text",
    "record_hash",
)
# What CSV and WARC name a version's article by, and the article shape for JSON Lines
# (newsmon.read.shapes), each of its fields labelled `article_<name>`.
ARTICLE_COLUMNS = (
    Article.id.label("article_id"),
    Article.url,
    Source.slug.label("source"),
    Article.status,
    *(column.label(f"article_{name}") for name, column in shapes.ARTICLE_COLUMNS.items()),
)
VERSION_COLUMNS = (
    Version.number,
    Version.captured_at,
    Version.content_hash,
    Version.title,
    Version.byline,
    Version.text,
    Version.words_added,
    Version.words_removed,
    Version.title_changed,
    Version.extractor,
    Version.encoding,
    Version.fetched_url,
    Version.record_hash,
    Version.chained,
    LedgerLeaf.leaf_index,
)


@dataclass(frozen=True)
class Selection:
    """Which versions to export: one source's, and only those captured since a time."""

    source: str | None = None
    since: datetime | None = None


def _filtered(query: Select, selection: Selection) -> Select:
    query = query.join(Article, Version.article_id == Article.id).join(Source)
    if selection.source:
        query = query.where(Source.slug == selection.source)
    if selection.since:
        query = query.where(Version.captured_at >= selection.since)
    return query


def count_versions(session: Session, selection: Selection) -> int:
    """How many versions the export will write (for the progress bar)."""
    return session.scalar(_filtered(select(func.count(Version.id)), selection)) or 0


def stream_versions(session: Session, selection: Selection, *, raw: bool = False) -> Iterator[Any]:
    """Rows of version and article columns, article by article, oldest version first.

    Plain rows (not ORM objects) streamed `BATCH` at a time: nothing accumulates in the
    session, and the raw HTML is only read when `raw` asks for it (WARC).
    """
    columns = (*ARTICLE_COLUMNS, *VERSION_COLUMNS) + (
        (raw_column().label("raw_html"),) if raw else ()
    )
    query = _filtered(select(*columns), selection).outerjoin(
        LedgerLeaf, LedgerLeaf.version_id == Version.id
    )
    covering = Covering.load(session)
    query = query.order_by(Article.id, Version.number)
    for row in session.execute(query.execution_options(yield_per=BATCH)):
        yield LedgerRow(row, covering.first(row.leaf_index))


class LedgerRow:
    """An export row with the first signed checkpoint that covers its version (or None)."""

    __slots__ = ("_row", "checkpoint")

    def __init__(self, row: Any, checkpoint: Checkpoint | None) -> None:
        self._row = row
        self.checkpoint = checkpoint

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)


def ledger_fields(row: Any) -> dict[str, Any]:
    """What an export says of a version's place in the ledger: its record hash, when it was
    chained ("capture", or "upgrade" for versions older than the ledger) and the first
    signed checkpoint that includes it (null until one is signed)."""
    return {
        "record_hash": row.record_hash,
        "chained": row.chained,
        "checkpoint": checkpoint_fields(row.checkpoint),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_article(row: Any) -> dict[str, Any]:
    """An export row's article, in the article shape."""
    return shapes.article_record(lambda name: getattr(row, f"article_{name}"))


def export_version(row: Any) -> dict[str, Any]:
    """A version in the JSON Lines export: the version shape and its place in the ledger."""
    return {**shapes.version_record(row), **ledger_fields(row)}


def write_jsonl(rows: Iterable[Any], out: IO[str]) -> Iterator[int]:
    """One article a line with all its (selected) versions; yields after every version."""
    for _, group in groupby(rows, key=lambda r: r.article_id):
        record: dict[str, Any] | None = None
        for row in group:
            if record is None:
                record = {**export_article(row), "versions": []}
            record["versions"].append(export_version(row))
            yield 1
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def spreadsheet_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_csv(rows: Iterable[Any], out: IO[str]) -> Iterator[int]:
    """One row per version with a header row; yields after every version."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = {
            "source": row.source,
            "article_id": row.article_id,
            "url": row.url,
            "status": row.status,
            "version": row.number,
            "captured_at": _iso(row.captured_at),
            "title": row.title,
            "byline": row.byline or "",
            "words_added": row.words_added,
            "words_removed": row.words_removed,
            "title_changed": int(bool(row.title_changed)),
            "content_hash": row.content_hash,
            "extractor": row.extractor,
            "text": row.text,
            "record_hash": row.record_hash or "",
        }
        writer.writerow([spreadsheet_cell(values[c]) for c in CSV_COLUMNS])
        yield 1

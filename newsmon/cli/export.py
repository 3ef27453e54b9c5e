"""`newsmon export`: every stored version as JSON Lines, CSV or WARC, for researchers."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

import click

from newsmon.cli.common import Context, fail, pass_ctx
from newsmon.read.export import Selection, count_versions, stream_versions, write_csv, write_jsonl
from newsmon.sources.registry import source_by_slug
from newsmon.storage.db import transaction


def parse_since(value: str | None) -> datetime | None:
    """`2026-03-01` or `2026-03-01T09:00:00+01:00`; a time without a zone is UTC."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--since {value!r} is not a date: use 2026-03-01 or 2026-03-01T09:00:00+00:00")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@contextlib.contextmanager
def _binary_output(path: str | None, fmt: str) -> Iterator[IO[bytes]]:
    if path and path != "-":
        with open(path, "wb") as out:
            yield out
        return
    if fmt == "warc" and sys.stdout.isatty():
        fail("a WARC is binary: give -o FILE.warc.gz or redirect the output")
    yield sys.stdout.buffer
    sys.stdout.buffer.flush()


def _progress(total: int) -> Any:
    """A progress bar on stderr when it is a terminal; nothing when piped or logged."""
    if not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    return click.progressbar(length=total, label="exporting versions", file=sys.stderr)


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "warc"]),
    default="jsonl",
    show_default=True,
    help="jsonl: one article a line with its versions; csv: one row per version; "
    "warc: each version's raw page and extracted text (for replay tools).",
)
@click.option("--source", help="Only this source's articles.")
@click.option("--since", help="Only versions captured since this date (UTC unless given).")
@click.option("--output", "-o", default=None, help="File to write (default: standard output).")
@pass_ctx
def export(
    ctx: Context, fmt: str, source: str | None, since: str | None, output: str | None
) -> None:
    """Export stored versions, streamed in constant memory. Versions count from 0."""
    selection = Selection(source=source, since=parse_since(since))
    with transaction(ctx.engine()) as session:
        if source:
            source_by_slug(session, source)  # an unknown slug is an error, not an empty file
        total = count_versions(session, selection)
        rows = stream_versions(session, selection, raw=fmt == "warc")
        with _binary_output(output, fmt) as out, _progress(total) as bar:
            written = _write(fmt, rows, out, bar)
    click.echo(f"exported {written} version(s) as {fmt}", err=True)


def _write(fmt: str, rows: Any, out: IO[bytes], bar: Any) -> int:
    if fmt == "warc":
        from newsmon.read.warc import write_warc

        return _drain(write_warc(rows, out), bar)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = write_csv if fmt == "csv" else write_jsonl
        return _drain(writer(rows, text), bar)
    finally:
        text.flush()
        text.detach()  # the caller owns `out`


def _drain(progress: Iterator[int], bar: Any) -> int:
    written = 0
    for step in progress:
        written += step
        if bar is not None:
            bar.update(step)
    return written

"""`newsmon db backup` and `newsmon db restore`: a consistent copy of the database, and back."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from newsmon.cli.common import Context, fail, pass_ctx
from newsmon.core.terminal import safe
from newsmon.storage.backup import Progress, backup, restore
from newsmon.storage.db import masked_url, transaction


class _PageBar:
    """A click progress bar over pages, opened at the first report (when the total is known)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None  # click's ProgressBar, a context manager opened by hand
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@contextlib.contextmanager
def _progress(label: str) -> Iterator[Progress | None]:
    """Page progress on stderr when it is a terminal; nothing when piped or logged."""
    if not sys.stderr.isatty():
        yield None
        return
    bar = _PageBar(label)
    try:
        yield bar
    finally:
        bar.close()


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def db_backup(ctx: Context, file: Path) -> None:
    """Write a consistent copy of the database to FILE, while the service runs.

    SQLite: the online backup API, the database as it was when the backup began.
    PostgreSQL: pg_dump in its custom format.
    """
    url = ctx.config.database_url
    with _progress("backing up pages") as progress:
        outcome = backup(url, file, progress=progress)
    click.echo(
        f"backed up {outcome.versions} version(s) from {masked_url(url)} to {file} "
        f"({_megabytes(outcome.size_bytes)}, integrity checked)"
    )


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds versions.")
@pass_ctx
def db_restore(ctx: Context, file: Path, force: bool) -> None:
    """Put the backup FILE in place of the database (stop the service first).

    The backup is checked before anything is touched; a database holding versions is
    replaced only with --force. The restored record is then verified against the ledger
    (as `newsmon verify` does): exit 1 if any version or checkpoint fails.
    """
    with _progress("restoring pages") as progress:
        summary = restore(ctx.config.database_url, file, force=force, progress=progress)
    click.echo(summary)
    _verify_restored(ctx)


def _verify_restored(ctx: Context) -> None:
    """The ledger's audit of what was restored, with this installation's key."""
    from newsmon.ledger.audit import verify
    from newsmon.ledger.keys import KeyFileError, load_or_create_key

    key_path = Path(ctx.config.ledger_key).expanduser()
    if not key_path.exists():
        click.echo(f"ledger not verified: no key at {safe(str(key_path))} (newsmon key show)")
        return
    try:
        public = load_or_create_key(key_path).public_key()
    except KeyFileError as exc:
        fail(str(exc))
    with transaction(ctx.engine()) as session:
        report = verify(session, public)
    click.echo(
        f"ledger: {report.versions} versions and {report.checkpoints} checkpoints verified"
        + (f", {len(report.failures)} failures" if report.failures else "")
    )
    for failure in report.failures:
        click.echo(f"FAILED {safe(failure)}")
    if report.failures:
        sys.exit(1)

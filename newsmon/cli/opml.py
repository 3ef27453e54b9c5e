"""`newsmon sources import FILE.opml` and `newsmon sources export --opml`."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from newsmon.cli.common import Context, fail, pass_ctx
from newsmon.core.clock import SystemClock
from newsmon.core.terminal import safe
from newsmon.sources.opml import OpmlSource, parse_opml, render_opml
from newsmon.sources.registry import SourceError, add_source
from newsmon.storage.db import transaction
from newsmon.storage.models import Source


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_ctx
def import_opml(ctx: Context, path: Path) -> None:
    """Add the feeds of an OPML file (from a feed reader or `sources export --opml`).

    Feeds exported by newsmon return to their source; other feeds are grouped by site.
    A feed that cannot be added is skipped with its reason; the others are added.
    """
    specs = parse_opml(path.read_bytes())
    now = SystemClock().now()
    added_total = 0
    with transaction(ctx.engine()) as session:
        for spec in specs:
            try:
                with session.begin_nested():
                    source, added = add_source(session, spec=spec, now=now)
            except SourceError as exc:
                click.echo(f"skipped {safe(spec.slug)}: {safe(str(exc))}", err=True)
                continue
            added_total += added
            click.echo(f"{safe(source.slug)}: {added} feed{'s' if added != 1 else ''} added")
    click.echo(f"{added_total} feeds added from {len(specs)} sources in {safe(str(path))}")


@click.command("export")
@click.option("--opml", "as_opml", is_flag=True, required=True, help="Write OPML 2.0.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File.")
@pass_ctx
def export_opml(ctx: Context, as_opml: bool, output: Path | None) -> None:
    """Write every source's feeds as OPML, for a feed reader or another newsmon."""
    if not as_opml:
        fail("only --opml is supported")
    with transaction(ctx.engine()) as session:
        sources = [
            OpmlSource(
                slug=s.slug,
                name=s.name,
                homepage=s.homepage,
                feeds=tuple(f.url for f in s.feeds),
            )
            for s in session.scalars(select(Source).order_by(Source.slug))
        ]
    data = render_opml(sources)
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        output.write_bytes(data)
        click.echo(f"{len(sources)} sources written to {safe(str(output))}", err=True)

"""`newsmon articles`, `versions` and `diff`: reading what was stored."""

from __future__ import annotations

import json
import sys

import click

from newsmon.cli_common import Context, pass_ctx
from newsmon.db import transaction
from newsmon.diff import diff_texts
from newsmon.queries import (
    article_json,
    list_articles,
    require_article,
    version_json,
    version_pair,
    versions_of,
)
from newsmon.sources import source_by_slug
from newsmon.terminal import render_diff


@click.command()
@click.option("--source", help="Only this source's articles.")
@click.option("--status", type=click.Choice(["active", "frozen", "gone"]), help="Only this state.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def articles(ctx: Context, source: str | None, status: str | None, as_json: bool) -> None:
    """List articles, most recently changed first."""
    with transaction(ctx.engine()) as session:
        if source:
            source_by_slug(session, source)  # an unknown slug is an error, not an empty list
        rows = [article_json(a) for a in list_articles(session, source=source, status=status)]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        click.echo(
            f"{row['version_count']:>3}v  {row['status']:<6}  {row['source']:<10} "
            f"{row['title'] or '(untitled)'}\n      {row['url']}"
        )


@click.command()
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def versions(ctx: Context, url: str, as_json: bool) -> None:
    """List the stored versions of the article at URL (any URL it was seen under)."""
    with transaction(ctx.engine()) as session:
        article = require_article(session, url)
        rows = [version_json(v) for v in versions_of(session, article.id)]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        click.echo(
            f"version {row['number']}  {row['captured_at']}  {row['content_hash'][:12]}  "
            f"+{row['words_added']}/-{row['words_removed']}  {row['title']}"
        )


@click.command()
@click.argument("url")
@click.argument("a", type=int)
@click.argument("b", type=int)
@click.option("--color/--no-color", default=None, help="Default: colour on a terminal.")
@click.option("--context", is_flag=True, help="Show unchanged paragraphs too.")
@pass_ctx
def diff(ctx: Context, url: str, a: int, b: int, color: bool | None, context: bool) -> None:
    """Word-level diff between versions A and B of the article at URL."""
    with transaction(ctx.engine()) as session:
        article = require_article(session, url)
        old, new = version_pair(session, article.id, a, b)
        result = diff_texts(old.title, old.text, new.title, new.text)
    color = sys.stdout.isatty() if color is None else color
    click.echo(render_diff(result, color=color, context=context), color=color)


@click.command()
@click.option("--source", help="Only this source's articles.")
@click.option(
    "--output",
    "-o",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write (default: standard output).",
)
@pass_ctx
def export(ctx: Context, source: str | None, output: click.utils.LazyFile) -> None:
    """Export articles with every version as JSON Lines: one article per line."""
    with transaction(ctx.engine()) as session:
        if source:
            source_by_slug(session, source)  # an unknown slug is an error, not an empty list
        count = 0
        for article in list_articles(session, source=source, limit=10_000_000):
            record = article_json(article)
            record["versions"] = [version_json(v) for v in versions_of(session, article.id)]
            output.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    click.echo(f"exported {count} article(s)", err=True)

"""`newsmon articles`, `versions` and `diff`: reading what was stored.

Titles, URLs and text came from the web: every one is printed through `safe()`.
"""

from __future__ import annotations

import sys
from datetime import datetime

import click

from newsmon.cli.common import Context, pass_ctx
from newsmon.cli.diffview import render_diff
from newsmon.core.outcomes import ArticleStatus, values
from newsmon.core.terminal import safe, safe_json
from newsmon.read.queries import (
    NotFound,
    list_articles,
    require_article,
    version_pair,
    versions_of,
)
from newsmon.read.shapes import article_json, version_record
from newsmon.record.diff import diff_texts
from newsmon.sources.registry import source_by_slug
from newsmon.storage.db import transaction
from newsmon.storage.models import Article


@click.command()
@click.option("--source", help="Only this source's articles.")
@click.option("--status", type=click.Choice(values(ArticleStatus)), help="Only this state.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def articles(ctx: Context, source: str | None, status: str | None, as_json: bool) -> None:
    """List articles, most recently changed first."""
    with transaction(ctx.engine()) as session:
        if source:
            source_by_slug(session, source)  # an unknown slug is an error, not an empty list
        rows = [article_json(a) for a in list_articles(session, source=source, status=status)]
    if as_json:
        click.echo(safe_json(rows, indent=2))
        return
    for row in rows:
        title = safe(row["title"] or "(untitled)")
        click.echo(
            f"{row['id']:>6}  {row['version_count']:>3}v  {row['status']:<6}  "
            f"{safe(row['source']):<10} {title}\n        {safe(row['url'])}"
        )


def when(moment: datetime | None) -> str:
    """A capture time to the second, in UTC."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"


@click.command()
@click.argument("article")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def versions(ctx: Context, article: str, as_json: bool) -> None:
    """List the stored versions of ARTICLE: its id (`newsmon articles`) or any URL it was
    seen under.

    Versions count from 0 (the first capture), as on NewsSniffer's pages.
    """
    with transaction(ctx.engine()) as session:
        stored = versions_of(session, require_article(session, article).id)
        rows = [version_record(v) for v in stored]
        times = [when(v.captured_at) for v in stored]
    if as_json:
        click.echo(safe_json(rows, indent=2))
        return
    for row, captured in zip(rows, times, strict=True):
        click.echo(
            f"version {row['number']}  {captured}  {row['content_hash'][:12]}  "
            f"+{row['words_added']}/-{row['words_removed']}  {safe(row['title'] or '')}"
        )


def version_range(article: Article, *numbers: int) -> None:
    """NotFound naming the article by URL and the versions it has, for a number out of range."""
    count = article.version_count or 0
    bad = [n for n in numbers if not 0 <= n < count]
    if not bad:
        return
    have = (
        "has no versions yet"
        if count == 0
        else "has only version 0"
        if count == 1
        else f"has versions 0 to {count - 1}"
    )
    raise NotFound(f"{article.url} {have} (versions count from 0); there is no version {bad[0]}")


@click.command()
@click.argument("ref", metavar="ARTICLE")
@click.argument("a", type=int)
@click.argument("b", type=int)
@click.option("--color/--no-color", default=None, help="Default: colour on a terminal.")
@click.option("--context", is_flag=True, help="Show unchanged paragraphs too.")
@pass_ctx
def diff(ctx: Context, ref: str, a: int, b: int, color: bool | None, context: bool) -> None:
    """Word-level diff between versions A and B of ARTICLE: its id (`newsmon articles`)
    or any URL it was seen under.

    Versions count from 0 (the first capture), as on NewsSniffer's pages: `diff ID 0 1`
    shows the first change.
    """
    with transaction(ctx.engine()) as session:
        article = require_article(session, ref)
        version_range(article, a, b)
        old, new = version_pair(session, article.id, a, b)
        result = diff_texts(old.title, old.text, new.title, new.text)
    color = sys.stdout.isatty() if color is None else color
    click.echo(render_diff(result, color=color, context=context), color=color)

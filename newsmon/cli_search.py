"""`newsmon search QUERY`: the same search as the web's /search, in a terminal or as JSON."""

from __future__ import annotations

import json
import sys

import click

from newsmon.cli_common import Context, fail, pass_ctx
from newsmon.db import transaction
from newsmon.search import Cursor, QueryError, parse
from newsmon.searchsql import Hit, search
from newsmon.snippets import for_terminal, plain, terminal_safe


def hit_json(hit: Hit) -> dict:
    """One hit as JSON-ready data (the API's shape too)."""
    return {
        "article_id": hit.article_id,
        "url": hit.url,
        "source": hit.source,
        "title": hit.title,
        "current_title": hit.current_title,
        "version": hit.version,
        "captured_at": hit.captured_at.isoformat(),
        "change_class": hit.change_class,
        "words_added": hit.words_added,
        "words_removed": hit.words_removed,
        "matching_versions": hit.matching_versions,
        "snippet": plain(hit.snippet),
    }


@click.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100))
@click.option("--cursor", help="Continue after the page that printed this cursor.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def search_cmd(
    ctx: Context, query: tuple[str, ...], limit: int, cursor: str | None, as_json: bool
) -> None:
    """Search every version: words, "phrases", -word, source:S, class:C,
    removed:"…", added:…, headline:changed."""
    try:
        parsed = parse(" ".join(query))
        after = Cursor.decode(cursor) if cursor else None
    except QueryError as exc:
        fail(str(exc))
    with transaction(ctx.engine()) as session:
        page = search(session, parsed, limit=limit, cursor=after)
    if as_json:
        data = {"hits": [hit_json(h) for h in page.hits], "next_cursor": page.next_cursor}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    color = sys.stdout.isatty()
    for h in page.hits:
        label = f", {h.change_class}" if h.change_class else ""
        click.echo(
            f"{h.article_id:>6} v{h.version}{label}  {terminal_safe(h.source)}  "
            f"{terminal_safe(h.title)}\n        {for_terminal(h.snippet, color=color)}\n"
            f"        {terminal_safe(h.url)}"
        )
    if not page.hits:
        click.echo("no version matches")
    if page.next_cursor:
        click.echo(f"more: --cursor {page.next_cursor}")

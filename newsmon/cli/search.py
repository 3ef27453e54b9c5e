"""`newsmon search QUERY`: the same search as the web's /search, in a terminal or as JSON."""

from __future__ import annotations

import re
import sys

import click

from newsmon.cli.common import Context, fail, pass_ctx
from newsmon.core.terminal import safe, safe_json
from newsmon.search.query import Cursor, QueryError, parse
from newsmon.search.snippets import MARK_END, MARK_START, plain
from newsmon.search.sql import Hit, search
from newsmon.storage.db import transaction


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


def for_terminal(snip: str, *, color: bool) -> str:
    """A snippet for a terminal: each piece made safe, the marked words bold or [bracketed]."""
    start, end = ("\x1b[1m", "\x1b[0m") if color else ("[", "]")
    pieces = re.split(f"([{MARK_START}{MARK_END}])", snip)
    marks = {MARK_START: start, MARK_END: end}
    return "".join(marks.get(p) or safe(p) for p in pieces)


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
        click.echo(safe_json(data, indent=2))
        return
    color = sys.stdout.isatty()
    for h in page.hits:
        label = f", {h.change_class}" if h.change_class else ""
        click.echo(
            f"{h.article_id:>6} v{h.version}{label}  {safe(h.source)}  "
            f"{safe(h.title)}\n        {for_terminal(h.snippet, color=color)}\n"
            f"        {safe(h.url)}"
        )
    if not page.hits:
        click.echo("no version matches")
    if page.next_cursor:
        click.echo(f"more: --cursor {page.next_cursor}")

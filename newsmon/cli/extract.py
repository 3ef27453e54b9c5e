"""`newsmon extract`: one page through the extractor; with `--source`, under that source's rules."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from newsmon.cli.common import Context, fail, pass_ctx
from newsmon.core.terminal import safe, safe_json
from newsmon.core.urls import is_fetchable

if TYPE_CHECKING:
    from newsmon.extract.rules import ExtractRules


@click.command("extract")
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--source", "slug", metavar="SLUG", help="Apply this source's extraction rules.")
@pass_ctx
def extract_cmd(ctx: Context, target: str, as_json: bool, slug: str | None) -> None:
    """Extract headline, byline and text from a saved page FILE or an http(s) URL."""
    from newsmon.extract.page import extract
    from newsmon.extract.rules import RuleMiss

    rules = _source_rules(ctx, slug) if slug else None
    html, url = _read_page(ctx, target)
    try:
        result = extract(html, url, rules=rules)
    except RuleMiss as exc:
        fail(str(exc))
    if as_json:
        click.echo(safe_json(result.to_dict(), indent=2))
        return
    title, byline = safe(result.title or "(none)"), safe(result.byline or "(none)")
    click.echo(f"title:  {title}\nbyline: {byline}\n")
    click.echo(safe(result.text, multiline=True) if result.text else "(no article text found)")


def _source_rules(ctx: Context, slug: str) -> ExtractRules | None:
    """The rules `sources set` stored for SLUG (None: it has none, generic extraction)."""
    from newsmon.extract.rules import ExtractRules
    from newsmon.sources.registry import source_by_slug
    from newsmon.storage.db import transaction

    with transaction(ctx.engine()) as session:
        return ExtractRules.from_json(source_by_slug(session, slug).extract_rules)


def _read_page(
    ctx: Context, target: str, max_bytes: int = 16 * 1024 * 1024
) -> tuple[bytes, str | None]:
    """A saved page, or a URL fetched as a crawl would: through the SSRF guard, with
    the crawl's size cap, timeout and User-Agent."""
    if "://" not in target:
        path = Path(target)
        if not path.is_file():
            fail(f"no such file: {target}")
        return path.read_bytes()[:max_bytes], None
    if not is_fetchable(target):
        fail(f"only http(s) URLs can be fetched: {target}")
    from newsmon.crawl.oneoff import FetchError, fetch

    try:
        fetched = fetch(ctx.config, target)
    except FetchError as exc:
        fail(f"cannot fetch {target}: {exc}")
    if fetched.status >= 400:
        fail(f"cannot fetch {target}: HTTP {fetched.status}")
    return fetched.body, fetched.url

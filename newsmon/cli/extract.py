"""`newsmon extract`: one page through the extractor, without a database."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import click

from newsmon.cli.common import fail
from newsmon.terminal import safe, safe_json
from newsmon.urls import is_fetchable


@click.command("extract")
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def extract_cmd(target: str, as_json: bool) -> None:
    """Extract headline, byline and text from a saved page FILE or an http(s) URL."""
    from newsmon.extract import extract

    html, url = _read_page(target)
    result = extract(html, url)
    if as_json:
        click.echo(safe_json(result.to_dict(), indent=2))
        return
    title, byline = safe(result.title or "(none)"), safe(result.byline or "(none)")
    click.echo(f"title:  {title}\nbyline: {byline}\n")
    click.echo(safe(result.text, multiline=True) if result.text else "(no article text found)")


def _read_page(target: str, max_bytes: int = 16 * 1024 * 1024) -> tuple[bytes, str | None]:
    if "://" not in target:
        path = Path(target)
        if not path.is_file():
            fail(f"no such file: {target}")
        return path.read_bytes()[:max_bytes], None
    if not is_fetchable(target):
        fail(f"only http(s) URLs can be fetched: {target}")
    request = urllib.request.Request(target, headers={"User-Agent": "newsmon-extract"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read(max_bytes), response.url
    except (OSError, ValueError) as exc:
        fail(f"cannot fetch {target}: {exc}")

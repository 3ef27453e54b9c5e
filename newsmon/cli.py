"""The `newsmon` command: database, sources, crawls, queries, the service."""

from __future__ import annotations

import json
import logging
import sys
import urllib.request
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from newsmon.cli_common import Context, fail, pass_ctx
from newsmon.config import Config, ConfigError, settings_table
from newsmon.db import DatabaseError, upgrade
from newsmon.logs import configure_logging
from newsmon.queries import NotFound
from newsmon.sources import SourceError
from newsmon.urls import BadURL, is_fetchable

logger = logging.getLogger("newsmon")
USER_ERRORS = (DatabaseError, SourceError, ConfigError, BadURL, NotFound, OSError)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "database_url",
    envvar="NEWSMON_DATABASE_URL",
    default=None,
    help="Database URL (default sqlite:///newsmon.db).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML settings file (default ./newsmon.toml when present).",
)
@click.option("--log-level", default=None, help="DEBUG, INFO, WARNING or ERROR.")
@click.pass_context
def cli(
    ctx: click.Context, database_url: str | None, config_path: str | None, log_level: str | None
) -> None:
    """newsmon keeps every version of every news article it sees."""
    config = Config.load(config_path, database_url=database_url, log_level=log_level)
    configure_logging(config.log_level)
    ctx.obj = Context(config)


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Context) -> None:
    """Create the database or bring its schema up to date."""
    upgrade(ctx.config.database_url)
    click.echo(f"database at {ctx.config.database_url} is up to date")


@cli.command("config")
@click.option("--markdown", is_flag=True, help="Print the settings table of the README.")
@pass_ctx
def show_config(ctx: Context, markdown: bool) -> None:
    """Show the effective settings."""
    if markdown:
        click.echo(settings_table())
        return
    for name, value in ctx.config.__dict__.items():
        click.echo(f"{name} = {json.dumps(value)}")


@cli.command("extract")
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def extract_cmd(target: str, as_json: bool) -> None:
    """Extract headline, byline and text from a saved page FILE or an http(s) URL."""
    from newsmon.extract import extract

    html, url = _read_page(target)
    result = extract(html, url)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"title:  {result.title or '(none)'}\nbyline: {result.byline or '(none)'}\n")
    click.echo(result.text or "(no article text found)")


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


def main() -> None:
    """Console entry point: user errors are one line and exit 1, never a traceback."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except USER_ERRORS as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:
        fail(f"database error: {str(exc).splitlines()[0]}")


def _register() -> None:
    from newsmon.cli_crawl import crawl
    from newsmon.cli_notify import notify
    from newsmon.cli_query import articles, diff, export, versions
    from newsmon.cli_run import run, serve
    from newsmon.cli_search import search_cmd
    from newsmon.cli_sources import sources

    for command in (sources, crawl, run, serve, articles, versions, diff, export):
        cli.add_command(command)
    cli.add_command(search_cmd)  # issue 9: search and notifications
    cli.add_command(notify)


_register()

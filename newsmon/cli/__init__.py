"""The `newsmon` command: the group, its global options and the one-line error for users.

Each command group lives in its own module (`sources`, `crawl`, `run`, `query`,
`export`, `config`, `extract`); this module only wires them together.
"""

from __future__ import annotations

import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from newsmon.cli.common import Context, fail
from newsmon.config.settings import Config, ConfigError
from newsmon.core.logs import configure_logging
from newsmon.core.urls import BadURL
from newsmon.read.queries import NotFound
from newsmon.sources.registry import SourceError
from newsmon.storage.db import DatabaseError

USER_ERRORS = (DatabaseError, SourceError, ConfigError, BadURL, NotFound, OSError)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db", "database_url", default=None, help="Database URL (default sqlite:///newsmon.db)."
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML settings file (default ./newsmon.toml when present).",
)
@click.option("--log-level", default=None, help="DEBUG, INFO, WARNING, ERROR or CRITICAL.")
@click.pass_context
def cli(
    ctx: click.Context, database_url: str | None, config_path: str | None, log_level: str | None
) -> None:
    """newsmon keeps every version of every news article it sees.

    Versions of an article are numbered from 0 (its first capture), as on NewsSniffer's pages.
    """
    config = Config.load(config_path, database_url=database_url, log_level=log_level)
    configure_logging(config.log_level, config.log_format)
    ctx.obj = Context(config)


def main() -> None:
    """Console entry point: user errors are one line each and exit 1, never a traceback."""
    _register()
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
    except ConfigError as exc:  # one line per bad setting
        fail(*str(exc).splitlines())
    except USER_ERRORS as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:
        fail(f"database error: {str(exc).splitlines()[0]}")


def _register() -> None:
    from newsmon.cli.admin import admin
    from newsmon.cli.backup import db_backup, db_restore
    from newsmon.cli.config import db, show_config
    from newsmon.cli.crawl import crawl
    from newsmon.cli.export import export
    from newsmon.cli.extract import extract_cmd
    from newsmon.cli.ledger import key_group, proof_cmd, verify_cmd, verify_proof_cmd
    from newsmon.cli.notify import notify
    from newsmon.cli.opml import export_opml, import_opml
    from newsmon.cli.query import articles, diff, versions
    from newsmon.cli.run import run, serve
    from newsmon.cli.search import search_cmd
    from newsmon.cli.sources import sources

    for source_command in (import_opml, export_opml):
        sources.add_command(source_command)
    for db_command in (db_backup, db_restore):
        db.add_command(db_command)
    for command in (db, show_config, extract_cmd, sources, crawl, run, serve, admin):
        cli.add_command(command)
    for command in (articles, versions, diff, export, search_cmd, notify):
        cli.add_command(command)
    for command in (verify_cmd, proof_cmd, verify_proof_cmd, key_group):
        cli.add_command(command)

"""The `newsmon` command: the group, its global options and the one-line error for users.

Each command group lives in its own module (`sources`, `crawl`, `run`, `query`,
`export`, `config`, `extract`); this module only names them: a command's module, and
what it imports, loads only when that command runs (`newsmon.cli.lazy`).
"""

from __future__ import annotations

import sys

import click

from newsmon.cli.lazy import LazyCommand, LazyGroup

# The user errors each print one line; a class counts only once its module is imported
# (an exception of a module never imported cannot have been raised), so catching them
# imports nothing: `newsmon --help` needs neither SQLAlchemy nor Scrapy.
USER_ERRORS = (
    ("newsmon.storage.db", "DatabaseError"),
    ("newsmon.sources.registry", "SourceError"),
    ("newsmon.config.settings", "ConfigError"),
    ("newsmon.core.urls", "BadURL"),
    ("newsmon.read.queries", "NotFound"),
)

# The commands, imported when run; each summary is the first paragraph of its help
# (tests/test_cli_lazy.py holds them equal), which `newsmon --help` lists.
COMMANDS = {
    "admin": LazyCommand(
        "newsmon.cli.admin:admin",
        "Web admin accounts: with one, /admin manages sources and alerts behind a login.",
    ),
    "articles": LazyCommand(
        "newsmon.cli.query:articles", "List articles, most recently changed first."
    ),
    "config": LazyCommand(
        "newsmon.cli.config:show_config",
        "Show the effective settings (the database password masked).",
    ),
    "crawl": LazyCommand(
        "newsmon.cli.crawl:crawl",
        "Poll due feeds and check due articles once, then print a summary.",
    ),
    "db": LazyCommand(
        "newsmon.cli.config:db",
        "Database schema, backups and restores.",
        attach=("newsmon.cli.backup:db_backup", "newsmon.cli.backup:db_restore"),
    ),
    "diff": LazyCommand(
        "newsmon.cli.query:diff",
        "Word-level diff between versions A and B of ARTICLE: its id (`newsmon articles`)"
        " or any URL it was seen under.",
    ),
    "export": LazyCommand(
        "newsmon.cli.export:export",
        "Export stored versions, streamed in constant memory. Versions count from 0.",
    ),
    "extract": LazyCommand(
        "newsmon.cli.extract:extract_cmd",
        "Extract headline, byline and text from a saved page FILE or an http(s) URL.",
    ),
    "key": LazyCommand("newsmon.cli.ledger:key_group", "The ledger's signing key."),
    "notify": LazyCommand(
        "newsmon.cli.notify:notify",
        "Tell a webhook or any apprise destination about matching changes.",
    ),
    "proof": LazyCommand(
        "newsmon.cli.ledger:proof_cmd",
        "A self-contained JSON proof that version NUMBER of ARTICLE (its id, or any URL it"
        " was seen under) is in the signed log (a checkpoint is signed first if none"
        " covers it).",
    ),
    "run": LazyCommand(
        "newsmon.cli.run:run",
        "Run the service: poll feeds, recheck articles, freeze quiet ones, serve the web app.",
    ),
    "search": LazyCommand(
        "newsmon.cli.search:search_cmd",
        'Search every version: words, "phrases", -word, source:S, class:C, removed:"…",'
        " added:…, headline:changed.",
    ),
    "serve": LazyCommand(
        "newsmon.cli.run:serve", "Serve the web app, feeds and API only (no crawling)."
    ),
    "sources": LazyCommand(
        "newsmon.cli.sources:sources",
        "News sources and their feeds.",
        attach=("newsmon.cli.opml:import_opml", "newsmon.cli.opml:export_opml"),
    ),
    "verify": LazyCommand(
        "newsmon.cli.ledger:verify_cmd",
        "Recompute every hash, chain link, Merkle root, signature and timestamp; exit 1 on"
        " any failure, naming the article URL and version.",
    ),
    "verify-proof": LazyCommand(
        "newsmon.cli.ledger:verify_proof_cmd",
        "Check a proof file with the public key alone: no database needed.",
    ),
    "versions": LazyCommand(
        "newsmon.cli.query:versions",
        "List the stored versions of ARTICLE: its id (`newsmon articles`) or any URL it was"
        " seen under.",
    ),
}


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
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
    from newsmon.cli.common import Context
    from newsmon.config.settings import Config
    from newsmon.core.logs import configure_logging

    config = Config.load(config_path, database_url=database_url, log_level=log_level)
    configure_logging(config.log_level, config.log_format)
    ctx.obj = Context(config)


def main() -> None:
    """Console entry point: user errors are one line each and exit 1, never a traceback."""
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
    except _loaded(USER_ERRORS, OSError) as exc:
        from newsmon.cli.common import fail

        config_errors = _loaded((("newsmon.config.settings", "ConfigError"),))
        fail(*(str(exc).splitlines() if isinstance(exc, config_errors) else [str(exc)]))
    except _loaded((("sqlalchemy.exc", "SQLAlchemyError"),)) as exc:
        from newsmon.cli.common import fail

        fail(f"database error: {str(exc).splitlines()[0]}")


def _loaded(
    names: tuple[tuple[str, str], ...], *always: type[BaseException]
) -> tuple[type[BaseException], ...]:
    """The exception classes among `names` whose modules this process has imported."""
    found = [getattr(sys.modules[m], name) for m, name in names if m in sys.modules]
    return (*found, *always)


def _register() -> None:
    """Import every command now (in-process callers may; the group imports them on demand)."""
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        cli.get_command(ctx, name)

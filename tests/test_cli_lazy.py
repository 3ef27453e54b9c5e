"""The `newsmon` command imports a command's code only when that command runs.

Every call used to import every command's module, Scrapy and Twisted among them: about
0.6 s before `newsmon --help` printed a line (bench/cli_startup.py has the figures).
Which modules a call imported is read from `python -X importtime`, the real entry point.
"""

from __future__ import annotations

import re
import subprocess
import sys

import click
import pytest

from newsmon.cli import COMMANDS, cli
from tests.cli_helpers import cli_env

CRAWLER = {"scrapy", "twisted", "apscheduler", "trafilatura"}


def imported(tmp_path, *args: str) -> set[str]:
    """The top-level packages one `python -m newsmon ARGS` imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "newsmon", *args],
        env=cli_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    names = re.findall(r"^import time:.*\|\s*([\w.]+)\s*$", done.stderr, re.MULTILINE)
    return {name.partition(".")[0] for name in names}


def test_help_lists_every_command_without_importing_the_database_or_the_crawler(tmp_path):
    packages = imported(tmp_path, "--help")
    assert not packages & (CRAWLER | {"sqlalchemy", "pydantic_settings", "cryptography"})


@pytest.mark.parametrize(
    "args",
    [("articles",), ("sources", "list"), ("search", "council"), ("config",)],
    ids=" ".join,
)
def test_reading_commands_do_not_import_the_crawler(tmp_path, args):
    assert not imported(tmp_path, *args) & CRAWLER


def test_each_summary_in_the_command_table_is_the_first_paragraph_of_the_commands_help():
    ctx = click.Context(cli, info_name="newsmon")
    listed = cli.get_help(ctx)
    commands = cli.loaded(ctx)
    assert set(commands) == set(COMMANDS)
    for name, command in commands.items():
        help_text = command.help or ""
        first = help_text.split("\n\n")[0]
        assert COMMANDS[name].summary == " ".join(first.split()), name
        assert not (command.short_help or command.hidden or command.deprecated), name
    # click's own listing of the imported commands is the one the table gave
    formatter = ctx.make_formatter()
    click.Group.format_commands(cli, ctx, formatter)
    assert listed.endswith(formatter.getvalue().rstrip("\n"))

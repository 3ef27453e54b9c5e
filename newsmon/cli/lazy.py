"""A click group that imports a command's module only when that command runs.

Every `newsmon` call used to import every command's module, and with them Scrapy,
Twisted, SQLAlchemy, the ledger's cryptography and apprise: about 0.6 s before any
command did anything. Each entry names where its command lives and carries the first
paragraph of its help, so `newsmon --help` lists the commands without importing them
(tests/test_cli_lazy.py checks the summaries against the commands themselves).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import click


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives, its one-paragraph summary, and subcommands to attach to it."""

    target: str  # "module:attribute"
    summary: str
    attach: tuple[str, ...] = ()


def load(target: str) -> click.Command:
    """The command object at "module:attribute"."""
    module, _, attribute = target.partition(":")
    command = getattr(importlib.import_module(module), attribute)
    assert isinstance(command, click.Command), target
    return command


class LazyGroup(click.Group):
    """A group whose commands are imported on first use; `--help` reads the summaries."""

    def __init__(self, *args: Any, lazy: dict[str, LazyCommand], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            entry = self.lazy[cmd_name]
            command = load(entry.target)
            if isinstance(command, click.Group):
                for sub in entry.attach:
                    command.add_command(load(sub))
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands' list as click prints it, from the summaries of unloaded commands."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self.commands.get(name) or click.Command(name, help=self.lazy[name].summary)
            if not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def loaded(self, ctx: click.Context) -> dict[str, click.Command]:
        """Every command, imported: for checks that compare summaries with the commands."""
        return {
            name: command
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name))
        }

"""What every `newsmon` subcommand shares: the settings object and the one-line error."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import NoReturn

import click
from sqlalchemy import Engine

from newsmon.config.settings import Config
from newsmon.core.terminal import safe
from newsmon.storage.db import ensure_schema


@dataclass
class Context:
    """What every subcommand needs: the merged settings."""

    config: Config

    def engine(self) -> Engine:
        return ensure_schema(self.config.database_url)


pass_ctx = click.make_pass_decorator(Context)


def fail(*messages: str) -> NoReturn:
    """Each message as one `newsmon: error:` line (drivers like to add hint lines), exit 1."""
    for message in messages:
        click.echo(f"newsmon: error: {safe(' '.join(message.split()))}", err=True)
    sys.exit(1)

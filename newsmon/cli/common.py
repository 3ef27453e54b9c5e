"""What every `newsmon` subcommand shares: the settings object and the one-line error."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

import click

from newsmon.core.terminal import safe

if TYPE_CHECKING:  # a command without a database (verify-proof, extract) imports no SQLAlchemy
    from sqlalchemy import Engine

    from newsmon.config.settings import Config


@dataclass
class Context:
    """What every subcommand needs: the merged settings."""

    config: Config

    def engine(self) -> Engine:
        from newsmon.storage.db import ensure_schema

        return ensure_schema(self.config.database_url)


pass_ctx = click.make_pass_decorator(Context)


def fail(*messages: str) -> NoReturn:
    """Each message as one `newsmon: error:` line (drivers like to add hint lines), exit 1."""
    for message in messages:
        click.echo(f"newsmon: error: {safe(' '.join(message.split()))}", err=True)
    sys.exit(1)

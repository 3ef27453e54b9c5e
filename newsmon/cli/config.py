"""`newsmon config` and `newsmon db upgrade`: the settings in effect and the schema."""

from __future__ import annotations

import json

import click

from newsmon.cli.common import Context, pass_ctx
from newsmon.config.settings import settings_table
from newsmon.storage.db import masked_url, upgrade


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Context) -> None:
    """Create the database or bring its schema up to date."""
    upgrade(ctx.config.database_url)
    click.echo(f"database at {masked_url(ctx.config.database_url)} is up to date")


@click.command("config")
@click.option("--markdown", is_flag=True, help="Print the settings table of the README.")
@pass_ctx
def show_config(ctx: Context, markdown: bool) -> None:
    """Show the effective settings (the database password masked)."""
    if markdown:
        click.echo(settings_table())
        return
    values = ctx.config.model_dump()
    values["database_url"] = masked_url(values["database_url"])
    for name, value in values.items():
        click.echo(f"{name} = {json.dumps(value)}")

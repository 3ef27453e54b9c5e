"""`newsmon admin add|list|remove`: the accounts that may manage newsmon from the web."""

from __future__ import annotations

import sys

import click
from sqlalchemy import select

from newsmon.cli.common import Context, fail, pass_ctx
from newsmon.core.clock import SystemClock
from newsmon.core.terminal import safe
from newsmon.storage.db import transaction
from newsmon.storage.models import AdminUser
from newsmon.web.auth import AdminError, add_admin, remove_admin


@click.group()
def admin() -> None:
    """Web admin accounts: with one, /admin manages sources and alerts behind a login."""


@admin.command("add")
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (scripts)."
)
@pass_ctx
def add(ctx: Context, name: str, password_stdin: bool) -> None:
    """Add admin NAME (or set a new password), asking for the password twice."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with transaction(ctx.engine()) as session:
            user = add_admin(session, name=name, password=password, now=SystemClock().now())
            token = user.feed_token
    except AdminError as exc:
        fail(str(exc))
    click.echo(f"admin {safe(name)}: saved; log in at /admin/login")
    if ctx.config.private:
        click.echo(f"feed token for feed readers (private mode): ?token={token}")


@admin.command("list")
@pass_ctx
def list_(ctx: Context) -> None:
    """The admin accounts."""
    with transaction(ctx.engine()) as session:
        names = list(session.scalars(select(AdminUser.name).order_by(AdminUser.name)))
    for name in names:
        click.echo(safe(name))
    if not names:
        click.echo("no admin accounts: the web is read-only (`newsmon admin add NAME`)")


@admin.command("remove")
@click.argument("name")
@pass_ctx
def remove(ctx: Context, name: str) -> None:
    """Remove admin NAME."""
    try:
        with transaction(ctx.engine()) as session:
            remove_admin(session, name=name)
    except AdminError as exc:
        fail(str(exc))
    click.echo(f"admin {safe(name)}: removed")

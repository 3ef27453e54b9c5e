"""`newsmon notify add|list|remove|log|test`: subscriptions to changes and their deliveries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import click

from newsmon.cli.common import Context, fail, pass_ctx
from newsmon.core.terminal import safe
from newsmon.guard.netguard import parse_networks
from newsmon.notify import records
from newsmon.notify.destinations import add_refusal
from newsmon.notify.rules import SubscriptionError, is_webhook, sample_facts
from newsmon.record.changeclass import CHANGE_CLASSES
from newsmon.storage.db import transaction


@click.group()
def notify() -> None:
    """Tell a webhook or any apprise destination about matching changes."""


@notify.command("add")
@click.argument("url")
@click.option("--source", help="Only this source's changes.")
@click.option("--class", "change_class", type=click.Choice(CHANGE_CLASSES), help="Only this class.")
@click.option("--query", help="Only changes whose version matches this search.")
@click.option("--secret", help="Webhooks: the HMAC-SHA256 key (generated when not given).")
@click.option(
    "--events/--no-events",
    default=True,
    show_default=True,
    help="Also tell of the source's (or every source's) extraction degrading or recovering"
    " and template changes.",
)
@pass_ctx
def add(
    ctx: Context,
    url: str,
    source: str | None,
    change_class: str | None,
    query: str | None,
    secret: str | None,
    events: bool,
) -> None:
    """Subscribe URL: http(s) gets a signed JSON webhook, other schemes go through apprise.

    Without --class, minor changes (punctuation, case, white space) are left out. The
    destination must be a public address, or in a network allow_networks names.
    """
    refused = add_refusal(url, parse_networks(ctx.config.allow_networks))
    if refused:
        fail(refused)
    try:
        with transaction(ctx.engine()) as session:
            sub = records.add_subscription(
                session,
                url=url,
                now=datetime.now(UTC),
                source=source,
                change_class=change_class,
                query=query,
                secret=secret,
                events=events,
            )
            sub_id, sub_secret = sub.id, sub.secret
    except SubscriptionError as exc:
        fail(str(exc))
    click.echo(f"subscription {sub_id}: {url}")
    if is_webhook(url) and not secret:
        click.echo(f"secret (shown once; verify X-Newsmon-Signature with it): {sub_secret}")


@notify.command("list")
@pass_ctx
def list_cmd(ctx: Context) -> None:
    """The subscriptions and what each one matches."""
    with transaction(ctx.engine()) as session:
        subs = records.subscriptions(session)
        for s in subs:
            what = ", ".join(
                f"{k} {v}"
                for k, v in (("source", s.source), ("class", s.change_class), ("query", s.query))
                if v
            )
            events = "; source events" if s.events else ""
            click.echo(
                f"{s.id:>4}  {safe(s.url)}  ({safe(what) or 'all but minor changes'}{events})"
            )
    if not subs:
        click.echo("no subscriptions; `newsmon notify add URL` adds one")


@notify.command("remove")
@click.argument("subscription_id", type=int)
@pass_ctx
def remove(ctx: Context, subscription_id: int) -> None:
    """Stop notifying a subscription (its delivery log goes with it)."""
    try:
        with transaction(ctx.engine()) as session:
            records.remove_subscription(session, subscription_id)
    except SubscriptionError as exc:
        fail(str(exc))
    click.echo(f"removed subscription {subscription_id}")


@notify.command("log")
@click.option("--limit", default=50, show_default=True, help="How many deliveries.")
@pass_ctx
def log(ctx: Context, limit: int) -> None:
    """The newest deliveries: delivered, pending (with the next attempt) or failed."""
    with transaction(ctx.engine()) as session:
        log = records.delivery_log(session, limit=limit)
        named = records.changes_named(session, [d.version_id for d, _ in log])
        for d, url in log:
            when = d.last_attempt_at.strftime("%Y-%m-%d %H:%M") if d.last_attempt_at else "-"
            detail = f" next {d.next_attempt_at:%H:%M}" if d.status == "pending" else ""
            error = f"  {safe(d.last_error)}" if d.last_error else ""
            change = (
                records.change_name(*named[d.version_id])
                if d.version_id in named
                else f"source event {d.source_event_id}"
                if d.source_event_id is not None
                else "a version since removed"
            )
            click.echo(
                f"{d.id:>5}  {d.status:<9} {d.attempts} attempt(s), last {when}{detail}"
                f"  {safe(change)} -> {safe(url)}{error}"
            )


@notify.command("test")
@click.argument("subscription_id", type=int)
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True)
@pass_ctx
def test(ctx: Context, subscription_id: int, base_url: str) -> None:
    """Send a sample notification to a subscription now, and say how it went."""
    with transaction(ctx.engine()) as session:
        sub = next((s for s in records.subscriptions(session) if s.id == subscription_id), None)
        if sub is None:
            fail(f"there is no subscription {subscription_id}")
        job = records.Job(0, sub.url, sub.secret, sample_facts(datetime.now(UTC)))
    from newsmon.notify.send import SendLimits, send  # httpx and apprise: only to send

    limits = SendLimits(allow=parse_networks(ctx.config.allow_networks))
    outcome = asyncio.run(send(job, base_url=base_url, limits=limits))
    if not outcome.ok:
        fail(f"test notification not delivered: {outcome.error}")
    click.echo(f"test notification delivered to {safe(job.url)}")

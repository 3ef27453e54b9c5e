"""`newsmon crawl`: one pass now, on the process's one reactor."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from newsmon.cli.common import Context, pass_ctx
from newsmon.core.clock import Clock


def _due_now(engine: Any, clock: Clock) -> int:
    from newsmon.read.due import due_count
    from newsmon.storage.db import transaction

    with transaction(engine) as session:
        return due_count(session, now=clock.now())


@contextmanager
def _progress_bar(service: Any, engine: Any) -> Iterator[None]:
    """The pass's progress on stderr when it is a terminal; nothing when piped or logged.

    The total grows as feeds announce new articles: done + in flight + still due."""
    if not sys.stderr.isatty():
        yield
        return
    stop = threading.Event()

    def show() -> None:
        with click.progressbar(length=1, label="checking", file=sys.stderr) as bar:
            shown = 0
            while not stop.wait(0.5):
                done, held = service.progress()
                bar.length = max(done + held + _due_now(engine, service.clock), 1)
                bar.update(done - shown)
                shown = done

    thread = threading.Thread(target=show, name="newsmon-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(2)


def _deliver(ctx: Context, engine: Any, clock: Clock) -> None:
    """Send the notifications this pass's changes (and earlier failed sends now due) call for,
    as `newsmon run` would: a cron user gets them too. Bounded by the delivery job's
    budget and each send's timeout, so the pass ends; what fails is retried next pass."""
    import asyncio

    from newsmon.guard.netguard import parse_networks
    from newsmon.notify.deliver import deliver_backlog
    from newsmon.web.edges import public_base

    stats = asyncio.run(
        deliver_backlog(
            engine,
            now=clock.now,
            base_url=public_base(ctx.config),
            allow=parse_networks(ctx.config.allow_networks),
        )
    )
    if stats.sent:
        retry = ", retried at the next crawl" if stats.failed else ""
        click.echo(
            f"notifications: {stats.delivered} delivered, {stats.failed} not delivered{retry}"
        )


@click.command()
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Ignore the schedule: poll every feed and check every active article.",
)
@pass_ctx
def crawl(ctx: Context, everything: bool) -> None:
    """Poll due feeds and check due articles once, then print a summary."""
    from newsmon.core.runtime import process_runtime
    from newsmon.crawl.reactor import process_reactor
    from newsmon.crawl.service import CrawlService
    from newsmon.sources.fromconfig import apply_source_tables
    from newsmon.storage.db import transaction

    with process_runtime():  # engine, reactor, writers and pools: closed newest first
        engine = ctx.engine()
        with transaction(engine) as session:
            apply_source_tables(session, ctx.config.sources)
        reactor = process_reactor()
        service = CrawlService(ctx.config)
        with _progress_bar(service, engine):
            stats = reactor.run(lambda: service.crawl_once(everything=everything))
    if not everything and not (stats.feeds_polled or stats.articles_checked or stats.frozen):
        click.echo(
            "nothing was due: no feed or article is scheduled yet "
            "(`newsmon crawl --all` polls every feed and checks every active article now)"
        )
    click.echo(stats.line())
    _deliver(ctx, engine, service.clock)
    if stats.failures:
        raise click.ClickException(
            f"{stats.failures} item(s) could not be handled (see the log above); "
            "their claims run out and they are retried"
        )

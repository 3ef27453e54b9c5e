"""`newsmon crawl`: one pass now, on the process's one reactor."""

from __future__ import annotations

import click

from newsmon.cli.common import Context, pass_ctx


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
    from newsmon.crawl import CrawlService
    from newsmon.reactor import process_reactor
    from newsmon.workers import shutdown_pools

    ctx.engine()
    reactor = process_reactor()
    try:
        service = CrawlService(ctx.config)
        stats = reactor.run(lambda: service.crawl_once(everything=everything))
    finally:
        shutdown_pools()
        reactor.stop()
    if not everything and not (stats.feeds_polled or stats.articles_checked or stats.frozen):
        click.echo(
            "nothing was due: no feed or article is scheduled yet "
            "(`newsmon crawl --all` polls every feed and checks every active article now)"
        )
    click.echo(stats.line())
    if stats.failures:
        raise click.ClickException(
            f"{stats.failures} item(s) could not be handled (see the log above); "
            "their claims run out and they are retried"
        )

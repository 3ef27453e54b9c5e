"""`newsmon run` and `serve`: the service in the foreground; SIGINT/SIGTERM stop it cleanly.

The web port is bound before anything else starts, so a busy port is one line and exit 1
instead of a crawler running beside someone else's server.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import signal
from typing import Any

import click

from newsmon.cli.common import Context, fail, pass_ctx
from newsmon.cli.listen import bind
from newsmon.core.clock import SystemClock
from newsmon.core.runtime import process_runtime

logger = logging.getLogger("newsmon.service")


def _serve_until_signalled(start: Any) -> None:
    """Run `start(stop_event)` on the reactor's loop until SIGINT or SIGTERM, then close
    what the process opened (newsmon.core.runtime), newest first."""
    from newsmon.crawl.reactor import process_reactor

    reactor = process_reactor()
    stop = reactor.run(_make_event)

    def on_signal(signum: int, _frame: Any) -> None:
        logger.info("received %s", signal.Signals(signum).name)
        reactor.loop.call_soon_threadsafe(stop.set)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    future = asyncio.run_coroutine_threadsafe(start(stop), reactor.loop)
    try:
        while True:
            try:
                future.result(timeout=0.5)
                break
            except concurrent.futures.TimeoutError:
                continue
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        process_runtime().close()


async def _make_event() -> asyncio.Event:
    return asyncio.Event()


def _with_address(ctx: Context, host: str | None, port: str | None) -> Any:
    changes = {k: v for k, v in (("web_host", host), ("web_port", port)) if v is not None}
    return ctx.config.with_(**changes) if changes else ctx.config


@click.command()
@click.option("--host", default=None, help="Web app address (default 127.0.0.1).")
@click.option("--port", default=None, help="Web app port (default 8000).")
@click.option("--no-web", is_flag=True, help="Crawl only; serve no web app.")
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Also serve this crawler's own Prometheus metrics on this port (for a fleet of "
    "--no-web crawlers; the web app's /metrics covers its own process and the database).",
)
@pass_ctx
def run(
    ctx: Context, host: str | None, port: str | None, no_web: bool, metrics_port: int | None
) -> None:
    """Run the service: poll feeds, recheck articles, freeze quiet ones, serve the web app."""
    from newsmon.service import prepare_database, run_service

    config = _with_address(ctx, host, port)
    sock = None if no_web else bind(config.web_host, config.web_port)
    if metrics_port is not None:
        _serve_metrics(config.web_host, metrics_port)
    prepare_database(config, SystemClock())
    _check_ledger_key(config)
    _warn_default_contact(config)

    async def start(stop: asyncio.Event) -> None:
        web = None if sock is None else _web_server(config)
        await run_service(config, stop, web=web, sockets=None if sock is None else [sock])

    _serve_until_signalled(start)


def _warn_default_contact(config: Any) -> None:
    """Every request's User-Agent names `contact_url`: left at the project's address, site
    owners write to the project about the operator's crawl. Said once, at start."""
    from newsmon.config.settings import Config

    if str(config.contact_url) == str(Config.model_fields["contact_url"].default):
        logger.warning(
            "contact_url is the default (%s), sent in every User-Agent: set your own "
            "(contact_url in the config file or NEWSMON_CONTACT_URL) so site owners reach you",
            config.contact_url,
        )


def _check_ledger_key(config: Any) -> None:
    """A key file others could read (or no key to be made) is one line before anything runs."""
    from newsmon.crawl.checkpoints import ledger_key
    from newsmon.ledger.keys import KeyFileError

    try:
        ledger_key(config)
    except (KeyFileError, OSError) as exc:
        fail(str(exc))


def _serve_metrics(host: str, port: int) -> None:
    from prometheus_client import start_http_server

    from newsmon.crawl.metrics import process_metrics

    try:
        start_http_server(port, addr=host, registry=process_metrics().registry)
    except OSError as exc:
        raise click.ClickException(
            f"cannot serve metrics on {host}:{port}: {exc.strerror}"
        ) from exc
    logger.info("crawl metrics at http://%s:%d/metrics", host, port)


def _web_server(config: Any) -> Any:
    from newsmon.web.server import make_server

    logger.info("web app at http://%s:%d/", config.web_host, config.web_port)
    return make_server(config)


@click.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", default=None, help="Port (default 8000).")
@pass_ctx
def serve(ctx: Context, host: str | None, port: str | None) -> None:
    """Serve the web app, feeds and API only (no crawling)."""
    from newsmon.web.server import make_server

    config = _with_address(ctx, host, port)
    sock = bind(config.web_host, config.web_port)
    with process_runtime():
        ctx.engine()
        logger.info("serving http://%s:%d/", config.web_host, config.web_port)
        make_server(config).run(sockets=[sock])

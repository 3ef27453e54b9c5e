"""A database filled by real crawls of the local news site, served by a real uvicorn."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn
from sqlalchemy import select, update

from newsmon.config.settings import Config
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Article, Source
from newsmon.web.app import create_app

XSS_TITLE = 'Mayor <script>alert("t")</script> quits'
XSS_BODY = 'He wrote <img src=x onerror=alert(1)> and <script>alert("b")</script> in a memo.'


@dataclass
class Served:
    base: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(config: Config, clock=None) -> Served:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config, clock),
            host="127.0.0.1",
            port=port,
            log_config=None,
            lifespan="off",
            access_log=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    return Served(f"http://127.0.0.1:{port}", server, thread)


def fill(site, crawler, add_feed, clock) -> None:
    """Three stories; one edited (a paragraph, then its headline), one hostile."""
    from tests.newssite import story

    site.publish(story("river-pollution"))
    site.publish(story("quiet-council", n=3))
    hostile = story("hostile", n=2)
    hostile.title = XSS_TITLE
    hostile.paragraphs[0] = XSS_BODY
    site.publish(hostile)
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    clock.advance(hours=4)
    site.edit(
        "river-pollution",
        paragraph=(
            1,
            "Paragraph 2 of the river-pollution report: the water company now admits it dumped "
            "sewage into the river on 40 days last year, according to documents seen by this "
            "newspaper.",
        ),
    )
    hostile_edit = XSS_BODY.replace("memo", "second memo <b>bold</b>")
    site.edit("hostile", paragraph=(0, hostile_edit))
    crawler.once(everything=True)
    clock.advance(hours=2)
    site.edit("river-pollution", title="Water firm admits dumping sewage in river")
    crawler.once(everything=True)


SOURCE_NAME = "The River Gazette"


@contextmanager
def web_client(site, crawler, add_feed, clock, config, db) -> Iterator[httpx.Client]:
    """A client of a real server over a filled database; `client.ids` maps story slug to id.

    The source is renamed so that pages can be seen to use its name, not its slug.
    """
    fill(site, crawler, add_feed, clock)
    with transaction(ensure_schema(config.database_url)) as session:
        session.execute(update(Source).values(name=SOURCE_NAME))
    served = serve(config, clock)
    db.expire_all()
    ids = {a.url.rsplit("/", 1)[1]: a.id for a in db.scalars(select(Article))}
    try:
        with httpx.Client(base_url=served.base, timeout=10) as client:
            client.ids = ids  # type: ignore[attr-defined]
            yield client
    finally:
        served.stop()

"""One URL fetched for a CLI command, through the same guarded Scrapy downloader as crawls.

A command such as `newsmon sources add --discover` runs outside any crawl, but the
address it fetches is still untrusted (a user may type a name that resolves to the
cloud metadata service). Instead of urllib, it runs a one-request Scrapy crawl with
the crawl's settings: the SSRF guard middleware and download handler, the size cap,
the timeout and the User-Agent all apply, with no pipelines and no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from newsmon.config.settings import Config


class FetchError(RuntimeError):
    """The URL could not be fetched; the message says why in one line."""


@dataclass(frozen=True)
class Fetched:
    """What the URL answered (any status: the caller decides what a 404 means)."""

    url: str
    status: int
    body: bytes


class _OneFetch(scrapy.Spider):
    """Fetches one URL and keeps the response or the failure in `box`."""

    name = "newsmon-fetch"
    handle_httpstatus_all = True

    def __init__(
        self, url: str, box: dict[str, Any], post: tuple[bytes, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.url, self.box, self.post = url, box, post

    async def start(self) -> Any:
        extra: dict[str, Any] = {}
        if self.post is not None:
            body, content_type = self.post
            extra = {"method": "POST", "body": body, "headers": {"Content-Type": content_type}}
        yield scrapy.Request(
            self.url,
            callback=self.got,
            errback=self.failed,
            dont_filter=True,
            meta={"handle_httpstatus_all": True},  # the caller decides what a status means
            **extra,
        )

    def got(self, response: Response) -> None:
        self.box["fetched"] = Fetched(response.url, response.status, response.body)

    def failed(self, failure: Failure) -> None:
        from newsmon.spiders import describe_failure

        self.box["error"] = describe_failure(failure)


def _settings(config: Config, **overrides: Any) -> Any:
    from newsmon.crawl.scrapy_settings import crawl_settings

    return crawl_settings(
        config,
        ITEM_PIPELINES={},
        ROBOTSTXT_OBEY=False,
        RETRY_ENABLED=False,
        LOG_LEVEL="ERROR",
        **overrides,
    )


def _result(box: dict[str, Any]) -> Fetched:
    if "fetched" in box:
        return box["fetched"]
    raise FetchError(box.get("error") or "no response")


def fetch(config: Config, url: str, *, timeout: float = 120) -> Fetched:
    """Fetch `url` through the SSRF guard on the process's reactor; FetchError says why not.

    robots.txt is not consulted (the caller may be fetching robots.txt itself);
    redirects are followed, each hop checked by the guard.
    """
    from scrapy.crawler import AsyncCrawlerRunner

    from newsmon.crawl.reactor import process_reactor

    settings = _settings(config)
    box: dict[str, Any] = {}

    async def crawl() -> None:
        await AsyncCrawlerRunner(settings).crawl(_OneFetch, url=url, box=box)

    process_reactor().run(crawl, timeout=timeout)
    return _result(box)


async def post(
    config: Config, url: str, body: bytes, content_type: str, *, timeout: float
) -> Fetched:
    """POST `body` to `url` from code already on the reactor's loop (a timed job of
    `newsmon run`), through the same guard, with `timeout` for the whole download."""
    from scrapy.crawler import AsyncCrawlerRunner

    settings = _settings(config, DOWNLOAD_TIMEOUT=timeout, REDIRECT_ENABLED=False)
    box: dict[str, Any] = {}
    await AsyncCrawlerRunner(settings).crawl(_OneFetch, url=url, box=box, post=(body, content_type))
    return _result(box)

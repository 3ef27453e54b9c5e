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

    def __init__(self, url: str, box: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url, self.box = url, box

    async def start(self) -> Any:
        yield scrapy.Request(self.url, callback=self.got, errback=self.failed, dont_filter=True)

    def got(self, response: Response) -> None:
        self.box["fetched"] = Fetched(response.url, response.status, response.body)

    def failed(self, failure: Failure) -> None:
        from spiders import describe_failure

        self.box["error"] = describe_failure(failure)


def fetch(config: Config, url: str, *, timeout: float = 120) -> Fetched:
    """Fetch `url` through the SSRF guard on the process's reactor; FetchError says why not.

    robots.txt is not consulted (the caller may be fetching robots.txt itself);
    redirects are followed, each hop checked by the guard.
    """
    from scrapy.crawler import AsyncCrawlerRunner

    from newsmon.crawl.reactor import process_reactor
    from newsmon.crawl.scrapy_settings import crawl_settings

    settings = crawl_settings(
        config, ITEM_PIPELINES={}, ROBOTSTXT_OBEY=False, RETRY_ENABLED=False, LOG_LEVEL="ERROR"
    )
    box: dict[str, Any] = {}

    async def crawl() -> None:
        await AsyncCrawlerRunner(settings).crawl(_OneFetch, url=url, box=box)

    process_reactor().run(crawl, timeout=timeout)
    if "fetched" in box:
        return box["fetched"]
    raise FetchError(box.get("error") or "no response")

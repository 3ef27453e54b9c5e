"""Opt-in browser rendering: articles of `render = browser` sources fetched through Chromium.

The crawl's one http(s) download handler dispatches by request: a request with
meta `playwright=True` (set by the spider for such sources' articles, never for
feeds) goes to scrapy-playwright driving Debian's chromium; every other request
goes to newsmon's guarded handler as before. Playwright and the browser start
only when the first browser request comes, so crawls without such sources pay
nothing. Every request a rendered page makes passes newsmon.guard.browser.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from newsmon.guard.browser import BrowserGuard
from newsmon.guard.fetch import GuardedHTTPDownloadHandler, Refused, allowed_networks

if TYPE_CHECKING:
    from newsmon.config.settings import Config

BROWSER_META = "playwright"  # scrapy-playwright's switch, set per request
CHROMIUM_FLAGS = (
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",  # no STUN to private peers
    # Every request of a rendered page is fulfilled by the guard's route (newsmon.guard.
    # browser); Chromium's own network goes to a closed port instead, loopback included
    # (<-loopback> drops the implicit bypass). Should a request ever pass the route (a page
    # whose init callback failed: scrapy-playwright logs that and navigates anyway), it
    # fails instead of reaching the network unguarded, uncapped.
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)


class BrowserMissing(RuntimeError):
    """Browser rendering is asked for, and the configured chromium is not there."""


def browser_settings(config: Config) -> dict[str, Any]:
    """scrapy-playwright's settings from newsmon's: Debian's chromium, no browser download."""
    flags = list(CHROMIUM_FLAGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.append("--no-sandbox")  # Chromium refuses to run sandboxed as root
    return {
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": config.chromium_path,
            "headless": True,
            "args": flags,
        },
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": config.browser_pages,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": config.download_timeout * 1000,
    }


def chromium_missing(path: str) -> str | None:
    """What to tell an operator who turns browser rendering on without the browser."""
    if Path(path).is_file() and os.access(path, os.X_OK):
        return None
    return (
        f"browser rendering needs chromium at {path}, which is not there "
        "(apt-get install chromium, or set chromium_path)"
    )


class _Browser:
    """One crawl's scrapy-playwright handler, shared by the http and https handlers."""

    def __init__(self) -> None:
        self.handler: Any = None
        self.lock = asyncio.Lock()


_browsers: weakref.WeakKeyDictionary[Crawler, _Browser] = weakref.WeakKeyDictionary()


class RenderingDownloadHandler:
    """http(s): browser requests to Chromium, all others to the guarded HTTP handler."""

    lazy = True

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.http = GuardedHTTPDownloadHandler(crawler)
        options = crawler.settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
        self.chromium = options.get("executable_path") or "/usr/bin/chromium"
        self.guard = BrowserGuard(
            allowed_networks(crawler),
            crawler.settings.getfloat("DOWNLOAD_TIMEOUT"),
            fetch=self.http.download_request,
        )
        self.browser = _browsers.setdefault(crawler, _Browser())
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderingDownloadHandler:
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get(BROWSER_META):
            return await self.http.download_request(request)
        handler = await self._browser_handler()
        request.meta["playwright_page_init_callback"] = self.guard.install
        request.meta["playwright_context_kwargs"] = {
            "user_agent": self.crawler.settings.get("USER_AGENT"),
            "service_workers": "block",  # a worker's fetches would pass no route
            "accept_downloads": False,
        }
        response = await handler.download_request(request)
        if not request.meta.get("newsmon_guarded"):  # the init callback failed: fail closed
            raise Refused("refused: the page could not be guarded, so it is not used")
        if 0 < self.maxsize < len(response.body):  # as DOWNLOAD_MAXSIZE caps plain HTTP
            raise IgnoreRequest(f"rendered page larger than the size cap ({self.maxsize} bytes)")
        return response

    async def _browser_handler(self) -> Any:
        """scrapy-playwright's handler, started at the first browser request of the crawl.

        Built here rather than at crawl start: importing and starting Playwright costs
        a few hundred milliseconds and a process, which crawls without browser
        sources should not pay. `_launch` is what its engine_started handler runs.
        """
        reason = chromium_missing(self.chromium)
        if reason:
            raise BrowserMissing(reason)
        async with self.browser.lock:
            if self.browser.handler is None:
                from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

                handler = ScrapyPlaywrightDownloadHandler.from_crawler(self.crawler)
                handler.abort_request = self.guard.should_abort
                await handler._launch()
                self.browser.handler = handler
            return self.browser.handler

    async def close(self) -> None:
        await self.http.close()
        async with self.browser.lock:
            handler, self.browser.handler = self.browser.handler, None
        if handler is not None:
            await handler.close()

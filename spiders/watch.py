"""The one spider of a crawl: fetches the feeds and articles its work queue hands out.

Feeds and articles share one engine, so per-site concurrency, delays, AutoThrottle
and robots.txt apply across both. The spider only fetches and reports: every
task ends as exactly one item (a page, a feed poll, or the reason there is none),
which the pipelines store; only then is the task's slot in the queue free.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from newsmon.core.clock import Clock, SystemClock
from newsmon.crawl.render import BROWSER_META
from newsmon.crawl.robots import ACCESS_HEADERS_META, robots_prefetch
from newsmon.crawl.workqueue import Task, WorkQueue
from newsmon.record.items import ArticleTask, FeedPolled, FeedTask, PageItem
from newsmon.sources.modes import PLAIN, ModeCache, SourceMode
from newsmon.spiders import HANDLED_STATUSES, conditional_headers
from newsmon.spiders.articles import page_failed, page_fetched
from newsmon.spiders.feeds import feed_failed, feed_polled


class WatchSpider(scrapy.Spider):
    """Checks what is due; `dont_filter` because a recheck is the same URL again by design."""

    name = "watch"
    handle_httpstatus_list = HANDLED_STATUSES

    def __init__(
        self, queue: WorkQueue | None = None, clock: Clock | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.queue = queue
        self.clock = clock or SystemClock()
        self.modes = ModeCache(queue.database_url) if queue is not None else None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> WatchSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(spider._item_done, signal=signal)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        if self.queue is None:  # `scrapy crawl watch` outside the service has no work
            return
        async for task in self.queue.tasks():
            try:
                mode = await self.modes.get(task.source_id) if self.modes else PLAIN
                if task.min_interval != mode.min_interval:  # a copy only where it differs
                    task = replace(task, min_interval=mode.min_interval)
                request = self._request(task, mode, browser=self._in_browser(task, mode))
            except Exception as exc:  # a URL Scrapy refuses is that task's failure alone
                yield self._failure(task, f"cannot fetch this URL: {type(exc).__name__}: {exc}")
            else:
                yield request

    def _request(
        self, task: Task, mode: SourceMode = PLAIN, browser: bool = False
    ) -> scrapy.Request:
        """The request for a task, with its source's headers, cookie, user agent and proxy."""
        # a browser renders the whole page each time: a 304 would leave it nothing to show
        headers = {} if browser else conditional_headers(task.etag, task.last_modified)
        meta: dict[str, Any] = {"task": task, BROWSER_META: browser}
        if mode.access.proxy:  # Scrapy's HttpProxyMiddleware; the guard checks its address
            meta["proxy"] = mode.access.proxy
        if mode.access:  # robots.txt for this source's site is asked for with them too
            meta[ACCESS_HEADERS_META] = mode.access.request_headers()
        return scrapy.Request(
            task.url,
            headers={**mode.access.request_headers(), **headers},
            callback=self.parse,
            errback=self.failed,
            dont_filter=True,
            meta=meta,
        )

    def _in_browser(self, task: Task, mode: SourceMode) -> bool:
        """Articles of `render = browser` sources go to Chromium; feeds never do."""
        return isinstance(task, ArticleTask) and mode.render == "browser"

    async def parse(self, response: Response, **kwargs: Any) -> AsyncIterator[Any]:
        task = response.meta["task"]
        try:
            if isinstance(task, FeedTask):
                item: Any = await feed_polled(response, task, self.clock.now(), self.crawler)
                if item.parsed is not None and item.parsed.entries:  # robots.txt ahead of need
                    urls = [entry.url for entry in item.parsed.entries]
                    self.crawler.signals.send_catch_log(
                        signal=robots_prefetch, urls=urls, asker=response.request
                    )
            else:
                item = page_fetched(response, task, self.clock.now())
        except Exception as exc:  # a response we cannot read fails its task, nothing else
            item = self._failure(task, f"unreadable response: {type(exc).__name__}: {exc}")
        yield item

    def failed(self, failure: Failure) -> Any:
        # Scrapy sets `request` on the Failure it hands an errback; Twisted's type lacks it.
        task = failure.request.meta["task"]  # type: ignore[attr-defined]
        yield self._failure(task, failure)

    def _failure(self, task: Task, failure: Failure | str) -> FeedPolled | PageItem:
        now = self.clock.now()
        if isinstance(task, FeedTask):
            return feed_failed(task, failure, now)
        assert isinstance(task, ArticleTask)
        return page_failed(task, failure, now)

    def _item_done(self, item: Any, **kwargs: Any) -> None:
        task = getattr(item, "task", None)
        if task is not None and self.queue is not None:
            self.queue.done(task)

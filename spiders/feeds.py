"""Polls due feeds with conditional GET and hands their entries to the pipelines."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from newsmon.clock import Clock, SystemClock
from newsmon.feeds import parse_feed
from newsmon.items import FeedPolled, FeedTask
from spiders import HANDLED_STATUSES, conditional_headers, describe_failure, header


class FeedSpider(scrapy.Spider):
    """One request per due feed; entries become articles in DiscoverPipeline."""

    name = "feeds"
    handle_httpstatus_list = HANDLED_STATUSES

    def __init__(
        self, tasks: Iterable[FeedTask] = (), clock: Clock | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.tasks = list(tasks)
        self.clock = clock or SystemClock()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for task in self.tasks:
            yield scrapy.Request(
                task.url,
                headers=conditional_headers(task.etag, task.last_modified),
                callback=self.parse_feed,
                errback=self.failed,
                dont_filter=True,
                meta={"task": task},
            )

    async def parse_feed(self, response: Response) -> AsyncIterator[FeedPolled]:
        task: FeedTask = response.meta["task"]
        item = FeedPolled(task=task, fetched_at=self.clock.now(), status=response.status)
        if response.status == 304:
            item.not_modified = True
        elif response.status >= 400:
            item.error = f"HTTP {response.status}"
        else:
            item.etag = header(response, "ETag")
            item.last_modified = header(response, "Last-Modified")
            headers = {
                k.decode("latin-1").lower(): v[0].decode("latin-1")
                for k, v in response.headers.items()
                if v
            }
            item.parsed = await asyncio.to_thread(
                parse_feed, response.body, url=response.url, headers=headers
            )
        if item.error or (item.parsed and item.parsed.error):
            self.logger.warning("feed %s: %s", task.url, item.error or item.parsed.error)
        yield item

    def failed(self, failure: Failure) -> Iterable[FeedPolled]:
        request = failure.request  # type: ignore[attr-defined]
        task: FeedTask = request.meta["task"]
        item = FeedPolled(task=task, fetched_at=self.clock.now(), error=describe_failure(failure))
        self.logger.warning("feed %s: %s", task.url, item.error)
        yield item

"""Polls due feeds with conditional GET and hands their entries to the pipelines."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

from scrapy.http import Response
from twisted.python.failure import Failure

from newsmon.feeds import parse_feed
from newsmon.items import FeedPolled, FeedTask
from spiders import TaskSpider, describe_failure, header


class FeedSpider(TaskSpider):
    """One request per due feed; entries become articles in DiscoverPipeline."""

    name = "feeds"

    async def parse_task(self, response: Response) -> AsyncIterator[FeedPolled]:
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

"""What a feed poll yields: the parsed entries of a fetched feed, or why there are none."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from scrapy.http import Response
from twisted.python.failure import Failure

from newsmon.feeds import parse_feed
from newsmon.items import FeedPolled, FeedTask
from spiders import describe_failure, header

logger = logging.getLogger(__name__)


async def feed_polled(response: Response, task: FeedTask, now: datetime) -> FeedPolled:
    """Parse the feed off the event loop (feedparser is CPU work on untrusted bytes)."""
    item = FeedPolled(task=task, fetched_at=now, status=response.status)
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
        logger.warning("feed %s: %s", task.url, item.error or item.parsed.error)  # type: ignore[union-attr]
    return item


def feed_failed(task: FeedTask, failure: Failure | str, now: datetime) -> FeedPolled:
    error = failure if isinstance(failure, str) else describe_failure(failure)
    logger.warning("feed %s: %s", task.url, error)
    return FeedPolled(task=task, fetched_at=now, error=error)

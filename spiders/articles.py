"""What an article check yields: the fetched page, or why there is none. Always an item."""

from __future__ import annotations

import logging
from datetime import datetime

from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from newsmon.record.items import ArticleTask, PageItem
from newsmon.spiders import describe_failure, header, latency_ms

logger = logging.getLogger(__name__)
HTML_TYPES = ("text/html", "application/xhtml+xml")


def page_fetched(response: Response, task: ArticleTask, now: datetime) -> PageItem:
    item = PageItem(
        task=task,
        fetched_at=now,
        url=response.url,
        status=response.status,
        duration_ms=latency_ms(response.meta),
    )
    if response.status == 304:
        item.not_modified = True
        return item
    if response.status >= 400:
        item.error = f"HTTP {response.status}"
        return item
    content_type = (header(response, "Content-Type") or "").split(";")[0].strip().lower()
    if not isinstance(response, TextResponse) or (content_type and content_type not in HTML_TYPES):
        item.error = f"not an HTML page ({content_type or 'binary body'})"
        return item
    # Bytes that are not valid in their encoding fail the check in the extraction worker,
    # which decodes the page anyway (newsmon.extract.page.Undecodable).
    item.etag = header(response, "ETag")
    item.last_modified = header(response, "Last-Modified")
    item.body, item.encoding = response.body, response.encoding
    return item


def page_failed(task: ArticleTask, failure: Failure | str, now: datetime) -> PageItem:
    error = failure if isinstance(failure, str) else describe_failure(failure)
    logger.warning("article %s: %s", task.url, error)
    return PageItem(task=task, fetched_at=now, url=task.url, error=error)

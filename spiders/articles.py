"""Fetches due articles with conditional GET; every outcome, even a failure, becomes an item."""

from __future__ import annotations

from collections.abc import Iterable

from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from newsmon.items import ArticleTask, PageItem
from spiders import TaskSpider, describe_failure, header, latency_ms

HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_REPLACEMENT_RATIO = 0.02


class ArticleSpider(TaskSpider):
    """One request per due article; the pipelines extract and store."""

    name = "articles"

    def _item(self, task: ArticleTask, response: Response | None = None) -> PageItem:
        return PageItem(
            task=task,
            fetched_at=self.clock.now(),
            url=response.url if response is not None else task.url,
            status=response.status if response is not None else None,
            duration_ms=latency_ms(response.meta) if response is not None else None,
        )

    def parse_task(self, response: Response) -> Iterable[PageItem]:
        item = self._item(response.meta["task"], response)
        if response.status == 304:
            item.not_modified = True
            yield item
            return
        if response.status >= 400:
            item.error = f"HTTP {response.status}"
            yield item
            return
        content_type = (header(response, "Content-Type") or "").split(";")[0].strip().lower()
        if not isinstance(response, TextResponse) or (
            content_type and content_type not in HTML_TYPES
        ):
            item.error = f"not an HTML page ({content_type or 'binary body'})"
            yield item
            return
        text = response.text
        if text.count("\ufffd") > MAX_REPLACEMENT_RATIO * max(len(text), 1):
            item.error = f"undecodable page: its bytes are not valid {response.encoding}"
            yield item
            return
        item.etag = header(response, "ETag")
        item.last_modified = header(response, "Last-Modified")
        item.canonical_url = response.xpath('//link[@rel="canonical"]/@href').get()
        if item.canonical_url:
            item.canonical_url = response.urljoin(item.canonical_url)
        item.body, item.html, item.encoding = response.body, text, response.encoding
        yield item

    def failed(self, failure: Failure) -> Iterable[PageItem]:
        request = failure.request  # type: ignore[attr-defined]
        item = self._item(request.meta["task"])
        item.error = describe_failure(failure)
        self.logger.warning("article %s: %s", request.url, item.error)
        yield item

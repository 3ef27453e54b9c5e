"""What a feed poll yields: the parsed entries of a fetched feed or sitemap, or why there are none.

What the URL serves decides how it is read: a document whose root is `urlset` or
`sitemapindex` is a sitemap (newsmon.discover.sitemaps), anything else goes to the feed
parser. A sitemap index's children are fetched in the same poll through the
crawl's own downloader (so the SSRF guard, robots.txt and per-site limits apply),
only those changed within the cut-off, at most `sitemap_max_children` of them.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from newsmon.config.settings import Config, parse_duration
from newsmon.core.identity import same_site
from newsmon.core.textclean import clean_line
from newsmon.crawl.scrapy_settings import config_from_settings
from newsmon.discover.feeds import ParsedFeed, parse_feed
from newsmon.discover.sitemaps import (
    ChildSitemap,
    SitemapError,
    decompressed,
    is_sitemap,
    merged,
    parse_sitemap,
    root_tag,
)
from newsmon.record.items import FeedPolled, FeedTask
from newsmon.spiders import describe_failure, header

logger = logging.getLogger(__name__)


def _headers(response: Response) -> dict[str, str]:
    return {
        k.decode("latin-1").lower(): v[0].decode("latin-1")
        for k, v in response.headers.items()
        if v
    }


def _read(body: bytes, url: str, headers: dict[str, str]) -> tuple[str | None, ParsedFeed]:
    """Feed parser for feeds; for sitemaps only the kind (their entries need the cut-off)."""
    if is_sitemap(body):
        return "sitemap", ParsedFeed()
    parsed = parse_feed(body, url=url, headers=headers)
    if parsed.error and root_tag(body) == "html":
        parsed = ParsedFeed(error="not a feed or sitemap: the URL serves an HTML page")
    return ("feed" if parsed.version else None), parsed


async def feed_polled(
    response: Response, task: FeedTask, now: datetime, crawler: Crawler
) -> FeedPolled:
    """Parse the feed or sitemap off the event loop (CPU work on untrusted bytes)."""
    item = FeedPolled(task=task, fetched_at=now, status=response.status)
    if response.status == 304:
        item.not_modified = True
    elif response.status >= 400:
        item.error = f"HTTP {response.status}"
    else:
        item.etag = header(response, "ETag")
        item.last_modified = header(response, "Last-Modified")
        try:
            body = decompressed(response.body, _max_size(crawler))
        except SitemapError as exc:
            item.error = str(exc)
        else:
            item.kind, item.parsed = await asyncio.to_thread(
                _read, body, response.url, _headers(response)
            )
            if item.kind == "sitemap":
                item.error = off_site_redirect(task.url, response.url)
                if item.error is None:
                    item.parsed = await _sitemap(body, response.url, now, crawler)
                else:
                    item.parsed = None
    error = item.error or (item.parsed.error if item.parsed else None)
    if error:
        logger.warning("feed %s: %s", task.url, error)
    return item


def off_site_redirect(configured: str, served: str) -> str | None:
    """Why a sitemap that redirected to another site is refused, or None if it did not.

    A sitemap speaks only for its own site, the one its URL names as configured: one
    that redirects elsewhere would file that site's stories under this source."""
    if same_site(configured, served):
        return None
    return clean_line(f"sitemap redirected to another site: {served}")[:300]


def _max_size(crawler: Crawler) -> int:
    """The crawl's DOWNLOAD_MAXSIZE, also the cap on a gzip file's decompressed size."""
    return crawler.settings.getint("DOWNLOAD_MAXSIZE")


def _config(crawler: Crawler) -> Config:
    return config_from_settings(crawler.settings)


# Clocks differ; a date further ahead than this is not a date (newsmon.discover.sitemaps).
FUTURE_SKEW = timedelta(days=1)


async def _sitemap(body: bytes, url: str, now: datetime, crawler: Crawler) -> ParsedFeed:
    """A urlset's recent entries, or an index's recent children's entries, merged."""
    config = _config(crawler)
    since = now - parse_duration(config.sitemap_max_age)
    until = now + FUTURE_SKEW
    parsed = await asyncio.to_thread(
        parse_sitemap,
        body,
        url=url,
        since=since,
        until=until,
        max_children=config.sitemap_max_children,
    )
    if parsed.feed.warnings:
        logger.info("sitemap %s: %s", url, "; ".join(parsed.feed.warnings))
    if not parsed.is_index or parsed.feed.error:
        return parsed.feed
    results = await asyncio.gather(*(_child(c, since, until, crawler) for c in parsed.children))
    parts = [part for part in results if isinstance(part, ParsedFeed)]
    errors = [part for part in results if isinstance(part, str)]
    return merged(parsed.feed, parts, errors)


async def _child(
    child: ChildSitemap, since: datetime, until: datetime, crawler: Crawler
) -> ParsedFeed | str:
    """One child sitemap's recent entries, or one line saying why there are none: what
    goes wrong with one child is that child's alone, never the whole index poll's."""
    try:
        return await _child_entries(child, since, until, crawler)
    except Exception as exc:
        logger.exception("child sitemap %s", child.url)
        return clean_line(f"child sitemap {child.url}: {type(exc).__name__}: {exc}")[:300]


async def _child_entries(
    child: ChildSitemap, since: datetime, until: datetime, crawler: Crawler
) -> ParsedFeed | str:
    request = scrapy.Request(child.url, dont_filter=True)
    try:
        response = await crawler.engine.download_async(request)
    except Exception as exc:  # a refused, failed or dropped download is this child's alone
        return f"child sitemap {child.url}: {describe_failure(Failure(exc))}"
    if response.status >= 400:
        return f"child sitemap {child.url}: HTTP {response.status}"
    off_site = off_site_redirect(child.url, response.url)
    if off_site is not None:
        return f"child sitemap {child.url}: {off_site}"
    try:
        body = decompressed(response.body, _max_size(crawler))
    except SitemapError as exc:
        return f"child sitemap {child.url}: {exc}"
    parsed = await asyncio.to_thread(
        parse_sitemap, body, url=response.url, since=since, until=until
    )
    if parsed.is_index:  # indexes do not nest (sitemaps.org); one level is the bound
        return f"child sitemap {child.url}: a sitemap index inside an index, not followed"
    if parsed.feed.error:
        return clean_line(f"child sitemap {child.url}: {parsed.feed.error}")
    return parsed.feed


def feed_failed(task: FeedTask, failure: Failure | str, now: datetime) -> FeedPolled:
    error = failure if isinstance(failure, str) else describe_failure(failure)
    logger.warning("feed %s: %s", task.url, error)
    return FeedPolled(task=task, fetched_at=now, error=error)

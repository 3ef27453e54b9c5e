"""robots.txt fetched once per site per day, however many crawls the process runs.

Scrapy's RobotsTxtMiddleware keeps what it fetched for the life of one crawl. A
long-lived newsmon process runs one continuous crawl (or many one-off passes), so
this subclass shares parsed robots.txt files across the process's crawls through
a cache the crawl service owns, and fetches a site's file again after a day.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

ROBOTS_MAX_AGE = 24 * 3600.0  # seconds


@dataclass
class RobotsCache:
    """Parsed robots.txt files by site (scheme and netloc), with when each was fetched."""

    max_age: float = ROBOTS_MAX_AGE
    entries: dict[str, tuple[float, Any]] = field(default_factory=dict)

    def __deepcopy__(self, memo: dict[int, Any]) -> RobotsCache:
        return self  # Scrapy copies its settings per crawl; the cache is shared on purpose

    def get(self, site: str, now: float) -> tuple[bool, Any]:
        entry = self.entries.get(site)
        if entry is None or now - entry[0] > self.max_age:
            return False, None
        return True, entry[1]

    def put(self, site: str, parser: Any, now: float) -> None:
        self.entries[site] = (now, parser)


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """RobotsTxtMiddleware whose answers outlive the crawl and expire after a day."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        cache = crawler.settings.get("NEWSMON_ROBOTS_CACHE")
        self.cache: RobotsCache = cache if isinstance(cache, RobotsCache) else RobotsCache()

    async def robot_parser(self, request: Request) -> Any:
        url = urlparse_cached(request)
        site = f"{url.scheme}://{url.netloc}"
        now = time.monotonic()
        known, parser = self.cache.get(site, now)
        if known:
            return parser
        if site in self.cache.entries and not isinstance(self._parsers.get(url.netloc), Deferred):
            self._parsers.pop(url.netloc, None)  # a day old in this crawl too: fetch it again
        parser = await super().robot_parser(request)
        self.cache.put(site, parser, time.monotonic())
        return parser

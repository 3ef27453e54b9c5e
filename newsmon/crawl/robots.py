"""robots.txt fetched once per site per day, kept in the database across restarts.

Scrapy's RobotsTxtMiddleware keeps what it fetched for the life of one crawl. A
long-lived newsmon process runs one continuous crawl (or many one-off passes), so
this subclass shares robots.txt files across the process's crawls through a cache
the crawl service owns, and fetches a site's file again after a day. Each file
fetched is also stored (`robots_txt`), and a starting crawler reads the files still
within their day: a restart does not hold every site's first page back behind a
robots.txt request, the slow first seconds of `newsmon run`.

robots.txt is asked for the way the source's own request that needed it is sent: through
the source's proxy (a site that answers only one country's visitors, or only a known
address, answers its robots.txt the same way) and with its access headers.

A feed often names its stories on another host than its own (feeds.example.com,
www.example.com). When a feed is read, the spider sends `robots_prefetch` with the
stories' URLs, and the robots.txt of each site not known yet is requested at once,
through the downloader like any request (guard, politeness slot), so the first check
of a story there does not wait for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from twisted.internet.defer import Deferred

from newsmon.core.clock import Clock, SystemClock
from newsmon.storage.batchwriter import in_transaction
from newsmon.storage.models import RobotsTxt

logger = logging.getLogger(__name__)
ROBOTS_MAX_AGE = timedelta(days=1)
# RFC 9309 2.5: a crawler must read at least 500 KiB of a robots.txt; the rest is ignored,
# so no site can make us parse or store more.
ROBOTS_MAX_BYTES = 500 * 1024
# Request meta the spider sets: the source's own headers (cookie, user agent, extras),
# which the robots.txt request for that source's site carries too.
ACCESS_HEADERS_META = "newsmon_access_headers"
CARRIED_META = ("proxy", ACCESS_HEADERS_META)  # what a prefetch takes from the feed's request
# Sites whose robots.txt one feed poll asks for ahead: a feed names stories on a few
# hosts; a sitemap index spanning hundreds fetches the rest when their checks come.
PREFETCH_SITES = 20

robots_prefetch = object()  # Scrapy signal: urls=[...] whose sites' robots.txt to fetch ahead


@dataclass
class RobotsEntry:
    """One site's robots.txt: when it was fetched, its bytes (None if the fetch failed),
    and its parser once a crawl has built one."""

    fetched_at: datetime
    body: bytes | None
    parser: Any = None


@dataclass
class RobotsCache:
    """robots.txt files by site (scheme and netloc), shared by a process's crawls."""

    clock: Clock = field(default_factory=SystemClock)
    max_age: timedelta = ROBOTS_MAX_AGE
    entries: dict[str, RobotsEntry] = field(default_factory=dict)

    def __deepcopy__(self, memo: dict[int, Any]) -> RobotsCache:
        return self  # Scrapy copies its settings per crawl; the cache is shared on purpose

    def get(self, site: str) -> RobotsEntry | None:
        """The site's entry if it is younger than `max_age`."""
        entry = self.entries.get(site)
        if entry is None or self.clock.now() - entry.fetched_at > self.max_age:
            return None
        return entry

    def load(self, session: Session) -> int:
        """Read the stored files still within their age (a crawler starting); returns how many."""
        since = self.clock.now() - self.max_age
        rows = session.execute(
            select(RobotsTxt.site, RobotsTxt.fetched_at, RobotsTxt.body).where(
                RobotsTxt.fetched_at >= since
            )
        )
        loaded = 0
        for site, fetched_at, body in rows:
            known = self.entries.get(site)
            if known is None or known.fetched_at < fetched_at:
                self.entries[site] = RobotsEntry(fetched_at, bytes(body)[:ROBOTS_MAX_BYTES])
                loaded += 1
        return loaded


def via_source(robots: Request, asker: Request) -> None:
    """Send the robots.txt request as the source's request `asker` goes: its proxy (the
    proxy middleware and the guard run after this one) and its access headers."""
    proxy = asker.meta.get("proxy")
    if proxy:
        robots.meta["proxy"] = proxy
    for name, value in (asker.meta.get(ACCESS_HEADERS_META) or {}).items():
        robots.headers[name] = value


def sites_of(urls: Iterable[str]) -> dict[str, str]:
    """scheme://netloc -> the first of `urls` on it, for http(s) URLs only."""
    sites: dict[str, str] = {}
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            sites.setdefault(f"{parts.scheme}://{parts.netloc}", url)
    return sites


def store_robots(
    session: Session, *, site: str, fetched_at: datetime, status: int, body: bytes
) -> None:
    """Keep a site's robots.txt as fetched, replacing the one stored before."""
    session.execute(delete(RobotsTxt).where(RobotsTxt.site == site))
    session.add(RobotsTxt(site=site, fetched_at=fetched_at, status=status, body=body))


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """RobotsTxtMiddleware whose answers outlive the crawl and the process, for a day."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        cache = crawler.settings.get("NEWSMON_ROBOTS_CACHE")
        self.cache: RobotsCache = cache if isinstance(cache, RobotsCache) else RobotsCache()
        self.database_url: str | None = crawler.settings.get("NEWSMON_DATABASE_URL")
        self._fetched: dict[str, tuple[int, bytes]] = {}  # netloc -> this crawl's download
        self._storing: set[asyncio.Future[None]] = set()
        self._asked_by: dict[str, Request] = {}  # robots.txt URL -> the request needing it
        self._prefetching: set[asyncio.Future[Any]] = set()
        crawler.signals.connect(self.prefetch, signal=robots_prefetch)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        asker = self._asked_by.pop(request.url, None)
        if asker is not None and request.meta.get("dont_obey_robotstxt"):
            via_source(request, asker)
        await super().process_request(request)

    def prefetch(self, urls: Iterable[str], asker: Request | None = None, **_: Any) -> int:
        """Request the robots.txt of the sites of `urls` this crawl does not know yet, in
        the background, sent as the source's request `asker` (the feed's) goes: its proxy
        and access headers; returns how many were requested."""
        carried = {k: v for k, v in (asker.meta if asker else {}).items() if k in CARRIED_META}
        started = 0
        for site, url in sites_of(urls).items():
            if started >= PREFETCH_SITES:
                break
            netloc = site.split("://", 1)[1]
            if self.cache.get(site) is not None or netloc in self._parsers:
                continue
            request = Request(url, meta={"dont_obey_robotstxt": True, **carried})
            task = asyncio.ensure_future(self._prefetch_one(request))
            self._prefetching.add(task)
            task.add_done_callback(self._prefetching.discard)
            started += 1
        return started

    async def _prefetch_one(self, request: Request) -> None:
        try:
            await self.robot_parser(request)
        except Exception as exc:  # the article's own request will try again
            logger.debug("robots.txt prefetch for %s failed: %s", request.url, exc)

    async def robot_parser(self, request: Request) -> Any:
        url = urlparse_cached(request)
        site = f"{url.scheme}://{url.netloc}"
        entry = self.cache.get(site)
        if entry is not None:
            if entry.parser is None and entry.body is not None:  # read from the database
                entry.parser = build_from_crawler(self._parserimpl, self.crawler, entry.body)
            return entry.parser
        if site in self.cache.entries and not isinstance(self._parsers.get(url.netloc), Deferred):
            self._parsers.pop(url.netloc, None)  # a day old in this crawl too: fetch it again
        waiting = isinstance(self._parsers.get(url.netloc), Deferred)
        if not waiting and url.netloc not in self._parsers:  # the next call fetches it
            self._asked_by[f"{url.scheme}://{url.netloc}/robots.txt"] = request
        parser = await super().robot_parser(request)
        if waiting:  # another request fetched it and is keeping it
            return parser
        fetched = self._fetched.pop(url.netloc, None)
        now = self.cache.clock.now()
        self.cache.entries[site] = RobotsEntry(now, fetched[1] if fetched else None, parser)
        if fetched is not None:  # stored beside the crawl: the page need not wait for it
            task = asyncio.ensure_future(self._store(site, now, *fetched))
            self._storing.add(task)
            task.add_done_callback(self._storing.discard)
        return parser

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        body = response.body[:ROBOTS_MAX_BYTES]
        self._fetched[netloc] = (response.status, body)
        await super()._parse_robots(response.replace(body=body), netloc, request)

    async def _store(self, site: str, fetched_at: datetime, status: int, body: bytes) -> None:
        """Keep the file for the next start; a failure only costs that start a request."""
        if not self.database_url:
            return
        try:
            work = partial(store_robots, site=site, fetched_at=fetched_at, status=status, body=body)
            await in_transaction(self.database_url, work)
        except Exception as exc:
            logger.warning("robots.txt of %s not stored: %s", site, str(exc).splitlines()[0][:300])

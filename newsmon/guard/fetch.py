"""The SSRF guard wired into Scrapy: checked before every request and at every connection.

Two layers, one decision (newsmon.guard.netguard.refusal):

- `GuardMiddleware` (downloader middleware) refuses a request whose URL is not
  canonicalisable or whose host is an address literal in any spelling, before
  anything is sent. Redirect hops, meta refreshes and robots.txt requests pass
  through it too.
- `GuardedHTTPDownloadHandler` resolves host names itself, checks every address,
  and connects only to the addresses it checked, so DNS rebinding (one answer for
  a check, another for the connection) cannot slip past.

Why a download handler and not Scrapy's DNS_RESOLVER: a resolver is installed on
the reactor once per process, only by CrawlerProcess (not by the AsyncCrawlerRunner
the service uses), and Twisted's HostnameEndpoint may still connect to an address
the resolver never vetted; the handler is built per crawl from its settings.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler, _ScrapyAgent
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.utils._download_handlers import wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.web.client import Agent

from newsmon.core.urls import BadURL, canonicalize
from newsmon.guard.connect import GuardedEndpointFactory, Refused, resolve_checked
from newsmon.guard.netguard import (
    ALLOW_HINT,
    IPNetwork,
    hinted,
    literal_address,
    parse_networks,
    refusal,
)

ALLOW_SETTING = "NEWSMON_ALLOW_NETWORKS"

__all__ = ["GuardMiddleware", "GuardedHTTPDownloadHandler", "Refused", "request_refusal"]


def allowed_networks(crawler: Crawler) -> tuple[IPNetwork, ...]:
    """The allow-list from the crawl's settings (a list, or a comma-separated string)."""
    value = crawler.settings.get(ALLOW_SETTING) or ()
    return parse_networks(value if isinstance(value, str) else list(value))


def proxy_refusal(proxy: str, allow: tuple[IPNetwork, ...]) -> str | None:
    """Why the proxy a request names must not be used, for an address literal, before
    anything is sent; a named proxy is resolved and checked as it is connected to
    (`GuardedHTTPDownloadHandler`), since its name may point elsewhere by then."""
    host = urlsplit(proxy if "://" in proxy else f"http://{proxy}").hostname or ""
    address = literal_address(host)
    return refusal(address, allow) if address is not None else None


def request_refusal(url: str, allow: tuple[IPNetwork, ...]) -> str | None:
    """Why a request to `url` must not be sent before any connection, or None."""
    try:
        canonicalize(url)
    except BadURL as exc:
        return f"refused: {exc}"
    host = urlsplit(url).hostname or ""
    address = literal_address(host)
    return refusal(address, allow) if address is not None else None


class GuardMiddleware:
    """Refuses requests to unfetchable URLs and to address literals off the allow-list."""

    def __init__(self, allow: tuple[IPNetwork, ...]) -> None:
        self.allow = allow

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GuardMiddleware:
        return cls(allowed_networks(crawler))

    def process_request(self, request: Request, spider: Any = None) -> None:
        reason = request_refusal(request.url, self.allow)
        if reason:
            raise Refused(hinted(reason))
        proxy = request.meta.get("proxy")
        reason = proxy_refusal(proxy, self.allow) if proxy else None
        if reason:  # a source's proxy connects for us: held to the rule of any host
            raise Refused(hinted(f"{reason} (the source's proxy)"))


def _with_host(proxy: str, address: str) -> str:
    """The proxy URL naming `address` (a checked literal) instead of its host name."""
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    host = f"[{address}]" if ":" in address else address
    port = f":{parts.port}" if parts.port else ""
    return parts._replace(netloc=f"{host}{port}").geturl()


async def checked_proxy(proxy: str, allow: tuple[IPNetwork, ...]) -> str:
    """The proxy URL with its host name replaced by an address the guard checked just now,
    so the connection goes where the check looked (a DNS change since the operator set
    the proxy cannot turn it to a private address). Raises Refused."""
    from twisted.internet import reactor

    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    host = parts.hostname or ""
    address = literal_address(host)
    if address is not None:  # also for requests made after the middleware (robots.txt)
        reason = refusal(address, allow)
        if reason:
            raise Refused(hinted(f"{reason} (the source's proxy)"))
        return proxy
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = await maybe_deferred_to_future(resolve_checked(reactor, host, port, allow))
    except Refused as exc:
        raise Refused(hinted(f"{str(exc).removesuffix(ALLOW_HINT)} (the source's proxy)")) from None
    return _with_host(proxy, found[0])


class _GuardedScrapyAgent(_ScrapyAgent):
    """Scrapy's agent, connecting through the guard, or to an operator's proxy at the
    address `checked_proxy` vetted."""

    def __init__(
        self, *, allow: tuple[IPNetwork, ...], proxy_at: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._allow = allow
        self._proxy_at = proxy_at

    def _get_agent(self, request: Request, timeout: float) -> Agent:
        if request.meta.get("proxy"):  # the proxy connects for us, at its checked address
            if self._proxy_at is None:
                raise Refused("refused: the source's proxy was not checked")
            vetted = request.replace(meta={**request.meta, "proxy": self._proxy_at})
            return super()._get_agent(vetted, timeout)
        from twisted.internet import reactor

        bind = request.meta.get("bindaddress") or self._bindAddress
        factory = GuardedEndpointFactory(
            reactor,
            policy=self._contextFactory,
            timeout=timeout,
            bind_address=(bind, 0) if isinstance(bind, str) else bind,
            allow=self._allow,
        )
        return Agent.usingEndpointFactory(reactor, factory, pool=self._pool)


class GuardedHTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler whose connections go only to checked addresses."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._allow = allowed_networks(crawler)

    async def download_request(self, request: Request) -> Response:
        proxy = request.meta.get("proxy")
        agent = _GuardedScrapyAgent(
            allow=self._allow,
            proxy_at=await checked_proxy(proxy, self._allow) if proxy else None,
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=self._default_maxsize,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        with wrap_twisted_exceptions():
            return await maybe_deferred_to_future(agent.download_request(request))

"""The SSRF guard for pages rendered in Chromium: every request the page makes is checked.

A rendered page fetches on its own: scripts, XHR, frames, redirects. Each goes
through a Playwright route on the page, which checks the URL (newsmon.core.urls) and
every address its host resolves to (newsmon.guard.netguard), then fetches it itself with
newsmon's guarded HTTP handler, as a plain article is fetched: it connects only to
the addresses it checked (so DNS rebinding finds no gap between check and connect),
streams under the download cap and times out like any download. Redirects are not
followed there: the 3xx goes back to the browser, and the next hop passes the route
again (Playwright's routes never see the hops of a redirect Chromium follows itself).
Images, media and fonts are not fetched at all: they hold no text. WebSockets are
answered by the route, never connected; service workers are blocked where the context
is made. Neither Chromium nor Playwright opens a connection of its own.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from scrapy import Request as ScrapyRequest
from scrapy.http import Response

from newsmon.guard.fetch import Refused, request_refusal
from newsmon.guard.netguard import IPNetwork, refusal

if TYPE_CHECKING:
    from playwright.async_api import Request as BrowserRequest
    from playwright.async_api import Route, WebSocketRoute

logger = logging.getLogger(__name__)

NO_NETWORK_SCHEMES = ("data", "blob", "about")
SKIPPED_TYPES = ("image", "media", "font")


async def resolved_refusal(host: str, port: int, allow: tuple[IPNetwork, ...]) -> str | None:
    """Why no address of `host` may be reached, or None when all of them may."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return f"refused: {host} could not be resolved"
    for info in infos:
        reason = refusal(str(info[4][0]), allow)
        if reason:
            return reason
    return None if infos else f"refused: {host} has no address"


def address_free_refusal(url: str, allow: tuple[IPNetwork, ...]) -> str | None:
    """Why `url` may not be fetched, judged from the URL alone (scheme, literal address,
    port), or None. Its host's addresses are checked where a connection is made."""
    parts = urlsplit(url)
    if parts.scheme in NO_NETWORK_SCHEMES:
        return None
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return f"refused: {parts.scheme or 'no'} scheme"
    if parts.scheme in ("ws", "wss"):  # the URL check knows http(s): the same host and port
        url = parts._replace(scheme="https" if parts.scheme == "wss" else "http").geturl()
    return request_refusal(url, allow)


async def url_refusal(url: str, allow: tuple[IPNetwork, ...]) -> str | None:
    """Why a rendered page must not fetch `url`, or None: the URL, then every address
    its host resolves to (for requests Chromium would make itself)."""
    reason = address_free_refusal(url, allow)
    parts = urlsplit(url)
    if reason or parts.scheme in NO_NETWORK_SCHEMES:
        return reason
    try:
        port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
    except ValueError:
        return "refused: bad port"
    return await resolved_refusal(parts.hostname or "", port, allow)


# Request headers the guarded fetch sets itself, or that would make the answer one the
# page cannot use: the body goes to Chromium as it arrived, so no compression is asked for.
# The proxy's login is set from the source's request, never taken from the page.
_DROPPED_REQUEST = frozenset(
    {"host", "connection", "content-length", "accept-encoding", "proxy-authorization"}
)


class Via(NamedTuple):
    """The proxy a rendered page's requests go through (None: straight), and its login."""

    proxy: str | None
    authorization: bytes | None


NO_PROXY = Via(None, None)
# Response headers that describe the transfer rather than the body handed to the page.
_DROPPED_RESPONSE = frozenset(
    {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
)

Fetch = Callable[[ScrapyRequest], Awaitable[Response]]


class BrowserGuard:
    """Installed on every rendered page: checks every request, then fetches it through
    newsmon's guarded HTTP handler (connections only to the addresses it checked, the
    download cap, the timeout) without following redirects, and hands the answer to
    the page."""

    def __init__(self, allow: tuple[IPNetwork, ...], timeout: float, fetch: Fetch) -> None:
        self.allow = allow
        self.timeout = timeout
        self.fetch = fetch

    async def install(self, page: Any, request: Any) -> None:
        """scrapy-playwright's page init callback: routes added last run first.

        Every request of the page is fetched the way the source's request `request` goes:
        through its proxy (already stripped of its login by Scrapy's proxy middleware,
        which put that in a Proxy-Authorization header). Chromium itself is given no
        proxy: it opens no connection, every request is fulfilled by this route.
        """
        via = Via(request.meta.get("proxy"), request.headers.get(b"Proxy-Authorization"))

        async def route(route: Route, browser_request: BrowserRequest) -> None:
            await self.route(route, browser_request, via)

        await page.route("**/*", route)
        await page.route_web_socket("**/*", self.websocket)
        request.meta["newsmon_guarded"] = True

    async def should_abort(self, request: BrowserRequest) -> bool:
        """scrapy-playwright's own pre-check, a second layer should the route be missing."""
        return await url_refusal(request.url, self.allow) is not None

    async def route(self, route: Route, request: BrowserRequest, via: Via = NO_PROXY) -> None:
        if request.resource_type in SKIPPED_TYPES:
            await route.abort("blockedbyclient")
            return
        # The addresses are checked once, by the guarded fetch as it connects (a lookup
        # here would be a second one, and not the one the connection uses).
        reason = address_free_refusal(request.url, self.allow)
        if reason:
            self._refuse(request.url, reason)
            await route.abort("blockedbyclient")
            return
        if urlsplit(request.url).scheme in NO_NETWORK_SCHEMES:
            await route.continue_()
            return
        try:
            response = await self.fetch(self._scrapy_request(request, via))
        except Refused as exc:  # an address the guard does not open
            self._refuse(request.url, str(exc))
            await route.abort("blockedbyclient")
            return
        except Exception as exc:  # unreachable, too big, timed out: that request fails
            logger.debug("rendered page: %s failed: %s", request.url, exc)
            await route.abort("failed")
            return
        await route.fulfill(
            status=response.status, headers=_page_headers(response), body=response.body
        )

    def _scrapy_request(self, request: BrowserRequest, via: Via = NO_PROXY) -> ScrapyRequest:
        headers: dict[str, Any] = {
            k: v for k, v in request.headers.items() if k.lower() not in _DROPPED_REQUEST
        }
        meta: dict[str, Any] = {"download_timeout": self.timeout}
        if via.proxy:  # the guarded handler checks the proxy's address as it connects
            meta["proxy"] = via.proxy
            if via.authorization:
                headers["Proxy-Authorization"] = via.authorization
        return ScrapyRequest(
            request.url,
            method=request.method,
            headers=headers,
            body=request.post_data_buffer or b"",
            dont_filter=True,
            meta=meta,
        )

    async def websocket(self, socket_route: WebSocketRoute) -> None:
        """Never connected: a story's text does not arrive over a live socket."""
        self._refuse(socket_route.url, "refused: WebSockets are not opened")
        await socket_route.close(code=1008, reason="not allowed")

    def _refuse(self, url: str, reason: str) -> None:
        logger.info("rendered page: %s %s", url[:200], reason)


def _page_headers(response: Response) -> dict[str, str]:
    """The response's headers as the page should see them (one value per name)."""
    out: dict[str, str] = {}
    for name, values in response.headers.items():
        key = name.decode("latin-1")
        if key.lower() not in _DROPPED_RESPONSE:
            out[key] = ", ".join(v.decode("latin-1") for v in values)
    return out

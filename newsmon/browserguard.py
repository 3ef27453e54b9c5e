"""The SSRF guard for pages rendered in Chromium: every request the page makes is checked.

A rendered page fetches on its own: scripts, XHR, frames, redirects. Each goes
through a Playwright route on the page, which checks the URL (newsmon.urls) and
every address its host resolves to (newsmon.netguard), then fetches it with
redirects switched off and hands the answer to the page: a redirect comes back to
the browser as a 3xx, and the next hop passes the route again (Playwright's routes
never see the hops of a redirect Chromium follows itself). Images, media and fonts
are not fetched at all: they hold no text. WebSockets are answered by the route,
never connected; service workers are blocked where the context is made. A response
larger than the download cap is not handed to the page (Playwright buffers it whole
first, so the cap bounds what reaches Chromium, not the driver's memory).

What remains: Playwright resolves the host again when it connects, so a DNS answer
that changes between the check and the connection (rebinding with a zero TTL) could
still reach a private address. The plain HTTP path connects only to the addresses
it checked (newsmon.guardconnect); a browser cannot be pinned that way without a
proxy of its own. Only sources an operator sets to `render = browser` take this path.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from newsmon.guardfetch import request_refusal
from newsmon.netguard import IPNetwork, refusal

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


async def url_refusal(url: str, allow: tuple[IPNetwork, ...]) -> str | None:
    """Why a rendered page must not fetch `url`, or None."""
    parts = urlsplit(url)
    if parts.scheme in NO_NETWORK_SCHEMES:
        return None
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return f"refused: {parts.scheme or 'no'} scheme"
    if parts.scheme in ("ws", "wss"):  # the URL check knows http(s): the same host and port
        url = parts._replace(scheme="https" if parts.scheme == "wss" else "http").geturl()
    reason = request_refusal(url, allow)
    if reason:
        return reason
    try:
        port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
    except ValueError:
        return "refused: bad port"
    return await resolved_refusal(parts.hostname or "", port, allow)


class BrowserGuard:
    """Installed on every rendered page: checks, then fetches without following redirects."""

    def __init__(self, allow: tuple[IPNetwork, ...], timeout: float, max_bytes: int = 0) -> None:
        self.allow = allow
        self.timeout_ms = timeout * 1000
        self.max_bytes = max_bytes  # each response's cap, as for plain downloads; 0: none
        self.refused: list[str] = []  # reasons, newest last (the crawl's stats count them)

    async def install(self, page: Any, request: Any) -> None:
        """scrapy-playwright's page init callback: routes added last run first."""
        await page.route("**/*", self.route)
        await page.route_web_socket("**/*", self.websocket)
        request.meta["newsmon_guarded"] = True

    async def should_abort(self, request: BrowserRequest) -> bool:
        """scrapy-playwright's own pre-check, a second layer should the route be missing."""
        return await url_refusal(request.url, self.allow) is not None

    async def route(self, route: Route, request: BrowserRequest) -> None:
        if request.resource_type in SKIPPED_TYPES:
            await route.abort("blockedbyclient")
            return
        reason = await url_refusal(request.url, self.allow)
        if reason:
            self._refuse(request.url, reason)
            await route.abort("blockedbyclient")
            return
        if urlsplit(request.url).scheme in NO_NETWORK_SCHEMES:
            await route.continue_()
            return
        try:
            response = await route.fetch(max_redirects=0, timeout=self.timeout_ms)
        except Exception as exc:  # unreachable, timed out: that request fails, as in a browser
            logger.debug("rendered page: %s failed: %s", request.url, exc)
            await route.abort("failed")
            return
        if self._too_big(response.headers.get("content-length"), len(await response.body())):
            self._refuse(request.url, f"refused: larger than {self.max_bytes} bytes")
            await route.abort("blockedbyclient")
            return
        await route.fulfill(response=response)

    def _too_big(self, declared: str | None, size: int) -> bool:
        """Playwright buffers a routed response whole, bounded only by the timeout; a
        response beyond the download cap at least goes no further than the driver."""
        if not self.max_bytes:
            return False
        claimed = int(declared) if declared and declared.isdigit() else 0
        return max(claimed, size) > self.max_bytes

    async def websocket(self, socket_route: WebSocketRoute) -> None:
        """Never connected: a story's text does not arrive over a live socket."""
        self._refuse(socket_route.url, "refused: WebSockets are not opened")
        await socket_route.close(code=1008, reason="not allowed")

    def _refuse(self, url: str, reason: str) -> None:
        logger.info("rendered page: %s %s", url[:200], reason)
        self.refused.append(reason)
        del self.refused[:-100]

"""How a crawl reaches one source: its extra headers, cookie, user agent and proxy.

Operators set these with `newsmon sources set` (a subscriber's session cookie for a
paywalled site, a site that wants its own header, a proxy for one country's edition).
Values are checked once here, where they enter; the crawl applies them per request.
Cookie values and proxy passwords are secrets: `masked` is what every listing shows.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from newsmon.guard.netguard import IPNetwork, hinted, literal_address, refusal

MAX_HEADERS = 20
MAX_VALUE = 4096  # one header's value, the cookie or the user agent
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")  # RFC 9110 field name
# Names Scrapy or the crawl set themselves: the conditional GET and the proxy's login.
RESERVED = {"host", "content-length", "if-none-match", "if-modified-since", "proxy-authorization"}
# Header values shown as *** in listings: they usually carry a login.
SECRET_NAME = re.compile(r"auth|cookie|token|key|secret|session|password", re.IGNORECASE)
MASK = "***"
PROXY_SCHEMES = ("http", "https")


class AccessError(ValueError):
    """An access setting that cannot be used; the message says why."""


@dataclass(frozen=True)
class SourceAccess:
    """A source's request settings; empty means the crawl's defaults."""

    headers: tuple[tuple[str, str], ...] = ()
    cookie: str | None = None
    user_agent: str | None = None
    proxy: str | None = None

    def __bool__(self) -> bool:
        return bool(self.headers or self.cookie or self.user_agent or self.proxy)

    def to_json(self) -> dict[str, Any] | None:
        """The stored form (None when nothing is set)."""
        if not self:
            return None
        data: dict[str, Any] = {"headers": [list(pair) for pair in self.headers]}
        data.update(cookie=self.cookie, user_agent=self.user_agent, proxy=self.proxy)
        return {k: v for k, v in data.items() if v}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SourceAccess:
        """Read the stored form back; it was checked when it was stored."""
        if not data:
            return NO_ACCESS
        headers = tuple((str(n), str(v)) for n, v in data.get("headers") or ())
        return cls(headers, data.get("cookie"), data.get("user_agent"), data.get("proxy"))

    def request_headers(self) -> dict[str, str]:
        """The headers every request to this source carries (the cookie as a Cookie header:
        Scrapy's cookie jar stays off, so no site's cookies reach another)."""
        headers = dict(self.headers)
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.user_agent:
            headers["User-Agent"] = self.user_agent
        return headers

    def masked(self) -> dict[str, Any]:
        """What may be shown: header names with harmless values, no cookie value, no
        proxy password."""
        headers = {n: MASK if SECRET_NAME.search(n) else v for n, v in self.headers}
        shown: dict[str, Any] = {"headers": headers} if headers else {}
        if self.cookie:
            names = [part.split("=", 1)[0].strip() for part in self.cookie.split(";")]
            shown["cookie"] = "; ".join(f"{n}={MASK}" for n in names if n)
        if self.user_agent:
            shown["user_agent"] = self.user_agent
        if self.proxy:
            shown["proxy"] = masked_proxy(self.proxy)
        return shown


NO_ACCESS = SourceAccess()


def _check_value(what: str, value: str) -> str:
    value = value.strip()
    if len(value) > MAX_VALUE:
        raise AccessError(f"{what}: longer than {MAX_VALUE} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise AccessError(f"{what}: control characters (line breaks) are not allowed")
    return value


def parse_header(given: str) -> tuple[str, str]:
    """'NAME:VALUE' -> (NAME, VALUE), checked."""
    name, colon, value = given.partition(":")
    name = name.strip()
    if not colon or not _TOKEN.match(name):
        raise AccessError(f"bad header {given[:100]!r}: give NAME:VALUE")
    if name.lower() in RESERVED:
        raise AccessError(f"header {name} is set by the crawl itself")
    if name.lower() in ("cookie", "user-agent"):
        raise AccessError(f"use --{name.lower()} for the {name} header")
    return name, _check_value(f"header {name}", value)


def masked_proxy(proxy: str) -> str:
    """The proxy URL with its password (and user name) replaced by ***."""
    parts = urlsplit(proxy)
    if parts.username is None and parts.password is None:
        return proxy
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{MASK}@{host}{port}", parts.path, "", ""))


def check_proxy(proxy: str) -> str:
    """A proxy URL Scrapy's HttpProxyMiddleware can use (http or https), checked."""
    proxy = _check_value("proxy", proxy)
    parts = urlsplit(proxy)
    scheme = parts.scheme.lower()
    if scheme.startswith("socks"):
        raise AccessError(
            "SOCKS proxies are not supported: Scrapy's downloader speaks only to HTTP and "
            "HTTPS proxies (http://HOST:PORT); run an HTTP front such as privoxy before it"
        )
    if scheme not in PROXY_SCHEMES or not parts.hostname:
        raise AccessError(f"bad proxy {masked_proxy(proxy)!r}: give http://[USER:PASS@]HOST:PORT")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise AccessError(f"bad proxy port in {masked_proxy(proxy)!r}") from None
    return proxy


def proxy_refusal(proxy: str, allow: tuple[IPNetwork, ...]) -> str | None:
    """Why the SSRF guard refuses the proxy's address (every address its name resolves
    to), or None. A proxy connects for us, so it is held to the rule of any host."""
    host = urlsplit(proxy).hostname or ""
    address = literal_address(host)
    if address is not None:
        return refusal(address, allow)
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
    except OSError as exc:
        return f"refused: proxy host {host} does not resolve ({exc})"
    return next(filter(None, (refusal(str(a), allow) for a in sorted(found))), None)


def proxy_problem(proxy: str, allow: tuple[IPNetwork, ...]) -> str | None:
    """Why a proxy an operator gives cannot be stored, in one line (a bad URL, or an
    address the guard refuses, with the way to open it), or None. `sources set` and the
    web admin's settings form ask the same question."""
    try:
        reason = proxy_refusal(check_proxy(proxy), allow)
    except AccessError as exc:
        return str(exc)
    return f"proxy {masked_proxy(proxy)}: {hinted(reason)}" if reason else None


def changed_access(
    current: SourceAccess,
    *,
    headers: tuple[str, ...] | None = None,
    cookie: str | None = None,
    user_agent: str | None = None,
    proxy: str | None = None,
) -> SourceAccess:
    """The access after a `sources set`: None leaves a setting, "" clears it, and the
    headers given replace the ones held."""
    access = current
    if headers is not None:
        pairs = tuple(parse_header(h) for h in headers if h.strip())
        if len(pairs) > MAX_HEADERS:
            raise AccessError(f"at most {MAX_HEADERS} headers")
        access = replace(access, headers=pairs)
    if cookie is not None:
        access = replace(access, cookie=_check_value("cookie", cookie) or None)
    if user_agent is not None:
        access = replace(access, user_agent=_check_value("user agent", user_agent) or None)
    if proxy is not None:
        access = replace(access, proxy=check_proxy(proxy) if proxy.strip() else None)
    return access

"""URL canonicalisation: one story is one article, whatever tracking junk its link carries.

This is the entry check for every URL that comes from the web (feed entries,
redirects, canonicals, `sources add`): a URL either becomes its one canonical
form here or is rejected with a reason a person can read.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

_TRACKING = re.compile(
    r"^(utm_\w+|at_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|"
    r"_ga|_gl|yclid|ocid|cmpid|ito|xtor|wt\.\w+|icid|ncid|taid|smid|mbid|ref_src|"
    r"__twitter_impression|sr_share|CMP)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
MAX_URL_LENGTH = 2048
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SLASHES = re.compile(r"/{2,}")
# Canonical forms remembered: a check canonicalises its URL as it is requested and again
# as it is recorded. Only short inputs, so the cache stays a few megabytes at most.
_REMEMBERED = 4096
_REMEMBERED_CHARS = 512


class BadURL(ValueError):
    """A URL newsmon will not fetch; the message says why, in words a user can act on."""


def is_fetchable(url: str) -> bool:
    """Only http(s) URLs with a host newsmon can canonicalise are ever fetched."""
    try:
        canonicalize(url)
    except BadURL:
        return False
    return True


def parse_ipv4_number(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host spells numerically (`2130706433`, `0x7f.1`, `127.1`), else None.

    Browsers and getaddrinfo read these forms (the WHATWG URL standard's IPv4
    parser); reading them here too means a guard cannot be fooled by spelling.
    """
    parts = host.split(".")
    if parts and parts[-1] == "":
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    numbers = [n for n in map(_ipv4_part, parts) if n is not None]
    if len(numbers) != len(parts):  # a part that is not a number
        return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for i, n in enumerate(head):
        value += n * 256 ** (3 - i)
    return ipaddress.IPv4Address(value)


def _ipv4_part(part: str) -> int | None:
    base, digits = 10, part
    if part[:2].lower() == "0x":
        base, digits = 16, part[2:]
    elif len(part) > 1 and part.startswith("0"):
        base, digits = 8, part[1:]
    if digits == "":
        return 0 if base == 16 else None
    try:
        return int(digits, base) if digits.isalnum() else None
    except ValueError:
        return None


def canonical_host(host: str) -> str:
    """The one spelling of a host: ASCII (punycode) name, dotted IPv4, or bracketed IPv6."""
    if host.startswith("["):
        literal = host[1:-1] if host.endswith("]") else host[1:]
        if "%" in literal:
            raise BadURL("IPv6 zone ids are not allowed in URLs")
        try:
            return f"[{ipaddress.IPv6Address(literal).compressed}]"
        except ValueError:
            raise BadURL("bad IPv6 address in URL") from None
    host = host.lower().rstrip(".")
    if not host:
        raise BadURL("URL has no host")
    numeric = parse_ipv4_number(host)
    if numeric is not None:
        return str(numeric)
    if _ipv4_part(host.split(".")[-1]) is not None:  # looks numeric but is no address
        raise BadURL(f"bad IPv4 address {host[:100]!r}")
    if not all(_HOST_LABEL.match(label) for label in host.split(".")):
        raise BadURL(f"bad host name {host[:100]!r}")
    return host


def _split(url: str) -> SplitResult:
    try:
        return urlsplit(safe_url_string(url))
    except ValueError as exc:  # w3lib refuses out-of-range ports, bad IDNs
        message = str(exc).lower()
        reason = (
            "bad port"
            if "port" in message
            else "bad IPv6 address in URL"
            if "ipv6" in message
            else f"bad URL ({exc})"
        )
        raise BadURL(reason) from None


def _netloc(parts: SplitResult, scheme: str) -> str:
    netloc = parts.netloc
    if "@" in netloc:
        raise BadURL("URL carries a user name or password")
    host, _, port_text = netloc.rpartition(":") if not netloc.endswith("]") else (netloc, "", "")
    if not host or (host.startswith("[") and not host.endswith("]")):
        host, port_text = netloc, ""
    host = canonical_host(host)
    if port_text == "":
        return host
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise BadURL("bad port")
    port = int(port_text)
    return host if port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"


def _percent(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else match.group(0).upper()


def normal_path(path: str) -> str:
    """The one spelling of a URL path (RFC 3986 section 6.2.2), duplicate slashes collapsed.

    Percent-encoded unreserved characters are decoded (`%76ar` is `var`) and other
    escapes upper-cased; reserved ones (`%2F`, `%3B`, ...) stay encoded, as they may
    mean something else to the server than the character itself (w3lib's
    canonicalize_url decodes those too, and sorts the query: both would merge
    URLs that are not one page). Dot segments go (`./var`, `x/../var`), by the RFC's
    algorithm in urljoin; a run of slashes is one slash (`//var`): servers and CMSs
    serve both as one page, and no news site names two stories that way.
    A trailing slash stays: `/var/` may be a section above `/var`; the identity
    rules alias it to `/var` when the page says so (a redirect or rel=canonical).
    """
    path = _PERCENT.sub(_percent, path or "/")
    path = _SLASHES.sub("/", path)
    if "/." in path:
        path = urlsplit(urljoin("http://h/", path)).path
    return path or "/"


def canonicalize(url: str, base: str | None = None) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters,
    the path in its one spelling (`normal_path`).

    The remaining query keeps its order: some sites route on it. IDN hosts become
    punycode, IPv6 literals keep their brackets, numeric IPv4 spellings become
    dotted quads.

    Raises:
        BadURL: with a reason ("not an http(s) URL", "bad port", ...).
    """
    if len(url) + len(base or "") <= _REMEMBERED_CHARS:
        return _remembered_canonical(url, base)  # a pure function: the answer is the same
    return _canonical(url, base, normal_path)


@functools.lru_cache(maxsize=_REMEMBERED)
def _remembered_canonical(url: str, base: str | None) -> str:
    """`canonicalize`'s answers, remembered (a refusal raises and is not)."""
    return _canonical(url, base, normal_path)


def former_canonical(url: str, base: str | None = None) -> str | None:
    """How newsmon spelled `url` before paths were normalised, when that differs.

    Articles stored then keep that spelling: a lookup tries both, so a stored URL
    keeps finding its article (newsmon.record.store.article_for_url, add_entries).
    """
    try:
        former = _canonical(url, base, lambda path: path or "/")
        return former if former != canonicalize(url, base) else None
    except BadURL:
        return None


def _canonical(url: str, base: str | None, path_of: Callable[[str], str]) -> str:
    url = url.strip()
    try:
        url = urljoin(base, url) if base and not _SCHEME.match(url) else url
    except ValueError:
        raise BadURL("bad URL: cannot be resolved against its base") from None
    scheme = url.partition(":")[0].lower()
    if scheme not in _DEFAULT_PORTS or not url[len(scheme) + 1 :].startswith("//"):
        raise BadURL("not an http(s) URL")
    parts = _split(url)
    netloc = _netloc(parts, scheme)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    path = path_of(parts.path)
    canonical = urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))
    if len(canonical) > MAX_URL_LENGTH:
        raise BadURL(f"URL longer than {MAX_URL_LENGTH:,} characters")
    return canonical


def canonical_or_none(url: str | None, base: str | None = None) -> str | None:
    """The canonical form, or None for anything that is not a fetchable URL."""
    if not url:
        return None
    try:
        return canonicalize(url, base)
    except BadURL:
        return None

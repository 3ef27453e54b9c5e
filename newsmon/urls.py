"""URL canonicalisation: one story is one article, whatever tracking junk its link carries."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

_TRACKING = re.compile(
    r"^(utm_\w+|at_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|"
    r"_ga|_gl|yclid|ocid|cmpid|ito|xtor|wt\.\w+|icid|ncid|taid|smid|mbid|ref_src|"
    r"__twitter_impression|sr_share|CMP)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class BadURL(ValueError):
    """A URL newsmon will not fetch: not http(s), or no host."""


def is_fetchable(url: str) -> bool:
    """Only http(s) URLs with a host are ever fetched; feeds may carry anything."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.hostname)


def canonicalize(url: str, base: str | None = None) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters.

    The remaining query keeps its order: some sites route on it. Raises BadURL.
    """
    url = urljoin(base, url.strip()) if base else url.strip()
    if not is_fetchable(url):
        raise BadURL(f"not an http(s) URL: {url[:200]!r}")
    parts = urlsplit(safe_url_string(url))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query, doseq=True), ""))


def canonical_or_none(url: str | None, base: str | None = None) -> str | None:
    if not url:
        return None
    try:
        return canonicalize(url, base)
    except (BadURL, ValueError):
        return None

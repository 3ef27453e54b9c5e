"""The host a URL is fetched from: the key of politeness limits, as Scrapy's slots use it.

Per host, not per registrable domain: Scrapy's downloader keeps one slot (concurrency,
delay, AutoThrottle) per host name, so the work queue's window must count the same key.
Counted per registrable domain it would hold a newspaper group's regional hosts to one
host's share while the downloader would let each of them have its own.
"""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_HOST = 255  # a DNS name is at most 253 characters; longer is not a host we fetch


def host_of(url: str | None) -> str:
    """The URL's host name, lower-cased and without port ("" if it has none).

    The same value as Scrapy's download slot key (`urlparse_cached(request).hostname`),
    so two URLs share a politeness window exactly when they share a download slot.
    """
    if not url:
        return ""
    try:
        host = urlsplit(url).hostname
    except ValueError:  # a malformed port or bracket: it will fail its fetch on its own
        return ""
    return (host or "")[:MAX_HOST]

"""A site's feeds and sitemaps found from its address, for `sources add --discover` and
the web admin's "add source" form: one function, so both say and add the same.

Two guarded one-off fetches (newsmon.crawl.oneoff: the SSRF guard, the size cap and
the download timeout of any crawl): the page itself, whose `<link rel="alternate">`
feeds are read (newsmon.discover.feedlinks), and the site's robots.txt, whose
`Sitemap:` lines are read (newsmon.discover.sitemaps). Blocking: call it off any event
loop (the web runs it in a worker thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from newsmon.config.settings import Config
from newsmon.core.urls import BadURL, canonicalize
from newsmon.guard.netguard import parse_networks

MAX_DISCOVERED = 50  # robots.txt files of big sites list dozens; more is a mistake
FETCH_TIMEOUT = 60.0  # seconds for each of the two fetches, start to end


class DiscoveryError(ValueError):
    """Nothing usable was found at the address; the message says why in one line."""


@dataclass(frozen=True)
class Discovered:
    """What the site offers, and one line per thing worth telling the operator."""

    feeds: tuple[str, ...]
    sitemaps: tuple[str, ...]
    notes: tuple[str, ...]

    def urls(self) -> tuple[str, ...]:
        """Feeds first, then sitemaps, at most MAX_DISCOVERED in all."""
        return (self.feeds + self.sitemaps)[:MAX_DISCOVERED]


def discover_site(config: Config, site_url: str, *, timeout: float = FETCH_TIMEOUT) -> Discovered:
    """The feeds `site_url`'s page links and the sitemaps its site's robots.txt lists.

    Raises:
        DiscoveryError: a bad address, or neither a feed nor a sitemap found.
    """
    from newsmon.crawl.oneoff import FetchError, fetch
    from newsmon.discover.feedlinks import feed_links
    from newsmon.discover.sitemaps import sitemaps_in_robots

    try:
        page_url = canonicalize(site_url)
    except BadURL as exc:
        raise DiscoveryError(f"bad site URL {site_url[:100]!r}: {exc}") from None
    allow = parse_networks(config.allow_networks)
    notes: list[str] = []
    feeds: list[str] = []
    sitemaps: list[str] = []
    for url, read in ((page_url, feed_links), (urljoin(page_url, "/robots.txt"), None)):
        try:
            fetched = fetch(config, url, timeout=timeout)
        except FetchError as exc:
            notes.append(f"cannot fetch {url}: {exc}")
            continue
        if fetched.status != 200:
            notes.append(f"cannot fetch {url}: HTTP {fetched.status}")
            continue
        if read is not None:
            found, refused = read(fetched.body, fetched.url, allow=allow)
            feeds += found
            notes += [f"skipped feed link {link!r}: {why}" for link, why in refused]
        else:
            found, refused = sitemaps_in_robots(
                fetched.body, url, fetched_url=fetched.url, allow=allow
            )
            sitemaps += found
            notes += [f"skipped Sitemap: line {link!r}: {why}" for link, why in refused]
    if not feeds and not sitemaps:
        reasons = "; ".join(notes)
        raise DiscoveryError(
            f"found no feed linked from {page_url} and {urljoin(page_url, '/robots.txt')} "
            "lists no sitemaps (no usable Sitemap: lines); give feed or sitemap URLs"
            + (f" ({reasons})" if reasons else "")
        )
    found_all = feeds + sitemaps
    if len(found_all) > MAX_DISCOVERED:
        notes.append(f"{len(found_all)} feeds and sitemaps found; the first {MAX_DISCOVERED} kept")
    return Discovered(tuple(feeds), tuple(sitemaps), tuple(notes))

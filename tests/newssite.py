"""A local news site for crawl tests: real HTTP on loopback, articles a test can edit.

Every page carries boilerplate that changes on every request (a subscription
price, a view counter, a "rendered at" time, a rotating "most read" box), as
real news pages do, so tests prove that only edits to the story make versions.
Faults can be switched on per article: 500s, timeouts, garbage, 404/410, a
redirect loop, a huge page, a binary body, undecodable bytes, an empty page.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urljoin, urlsplit

FAULTS = (
    "500",
    "timeout",
    "garbage",
    "404",
    "410",
    "redirect-loop",
    "huge",
    "binary",
    "badbytes",
    "empty",
)


@dataclass
class Story:
    """One article on the test site."""

    slug: str
    title: str
    paragraphs: list[str]
    byline: str = "By Jane Reporter"
    published: datetime = field(default_factory=lambda: datetime(2026, 1, 1, 8, tzinfo=UTC))
    canonical: str | None = None  # path (or absolute URL) of the page's <link rel=canonical>
    feed_link: str | None = None  # path the feeds announce, if not /news/<slug>
    etag: bool = False  # answer conditional GETs with 304 (a stable page)
    charset: str = "utf-8"  # the page's encoding, sent in Content-Type (and <meta> if UTF-8)
    declared_charset: str | None = None  # a charset Content-Type states instead of `charset`
    scripted: bool = False  # the story's paragraphs are put into the page by a script
    embeds: tuple[str, ...] = ()  # URLs the page loads as script and image and fetches
    lang: str = "en"  # the page's <html lang>
    feed_dated: bool = True  # the feeds give its publication date
    updated: datetime | None = None  # the page's article:modified_time
    live_label: bool = False  # an "Updated N minutes ago" line whose N changes on every request
    page_html: str | None = None  # a whole real page served instead of the site's template
    # a whole page per request, from the request's number (bench/fidelity.py's churn)
    page_render: Callable[[int], str] | None = None
    nest_last: int = 0  # the last paragraph sits inside this many <div>s (a deep page)
    # A page layout a test writes: called with the story and the request's number (which
    # changes on every request unless the site is `stable`), it returns the whole page.
    template: Callable[[Story, int], str] | None = None


class InFlight:
    """Article requests being served now, and the most ever at once (one site or several)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def leave(self) -> None:
        with self.lock:
            self.now -= 1


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    status: int


class NewsSite:
    """The site's state; the HTTP handler reads it under a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stories: dict[str, Story] = {}
        self.faults: dict[str, str] = {}
        self.log: list[Hit] = []
        self.robots = "User-agent: *\nDisallow: /private/\n"
        self.feed_faults: dict[str, str] = {}  # feed path -> "500" | "garbage"
        self.views = itertools.count(1000)
        self.server: ThreadingHTTPServer | None = None
        self.timeout_seconds = 5.0
        self.article_delay = 0.0  # seconds each article page takes, to keep crawls in flight
        self.hold: threading.Event | None = None  # when set, article pages wait for it
        self.robots_hold: threading.Event | None = None  # when set, robots.txt waits for it
        self.robots_asked = threading.Event()  # set when a robots.txt request starts waiting
        self.host_name: str | None = None  # e.g. "localhost": another site to Scrapy's slots
        self.stable = False  # boilerplate that does not change between requests (same bytes)
        self.churn = False  # the story itself changes on every request (a new version each time)
        self.hit = threading.Condition(self.lock)
        self.routes: dict[str, tuple[str, str]] = {}  # path -> ("301" | "refresh", target URL)
        self.raw_feeds: dict[str, bytes] = {}  # path -> a feed document served as it is
        self.pages: dict[str, str] = {}  # path -> an HTML page served as it is (a home page)
        self.big_feed_entries = 0  # entries of /feeds/big.xml, oldest first in time
        self.feed_language: str | None = None  # the RSS feed's <language>
        self.in_flight = InFlight()  # this site's article requests being served
        self.shared_in_flight: InFlight | None = None  # the same, counted across several sites

    # -- control -----------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.stories.clear()
            self.faults.clear()
            self.log.clear()
            self.feed_faults.clear()
            self.routes.clear()
            self.raw_feeds.clear()
            self.pages.clear()
            self.article_delay = 0.0
            self.timeout_seconds = 5.0
            self.big_feed_entries = 0
            self.feed_language = None
            self.robots = "User-agent: *\nDisallow: /private/\n"
            self.hold = None
            self.robots_hold = None
            self.robots_asked = threading.Event()
            self.stable = False
            self.churn = False
            self.in_flight = InFlight()
            self.shared_in_flight = None

    def publish(self, story: Story) -> Story:
        with self.lock:
            self.stories[story.slug] = story
        return story

    def edit(
        self,
        slug: str,
        *,
        title: str | None = None,
        paragraph: tuple[int, str] | None = None,
        paragraphs: list[str] | None = None,
    ) -> None:
        with self.lock:
            story = self.stories[slug]
            if title is not None:
                story.title = title
            if paragraphs is not None:
                story.paragraphs = list(paragraphs)
            if paragraph is not None:
                story.paragraphs[paragraph[0]] = paragraph[1]

    def fault(self, slug: str, kind: str | None) -> None:
        assert kind is None or kind in FAULTS, kind
        with self.lock:
            if kind is None:
                self.faults.pop(slug, None)
            else:
                self.faults[slug] = kind

    def redirect(self, path: str, target: str) -> str:
        """Answer `path` with a 301 to `target` (any URL, on any host); returns its URL."""
        with self.lock:
            self.routes[path] = ("301", target)
        return self.url(path)

    def meta_refresh(self, path: str, target: str) -> str:
        """Answer `path` with a page whose <meta http-equiv=refresh> sends a browser to `target`."""
        with self.lock:
            self.routes[path] = ("refresh", target)
        return self.url(path)

    def raw_feed(self, path: str, body: bytes) -> str:
        """Serve `body` at `path` as an RSS document, byte for byte; returns its URL."""
        with self.lock:
            self.raw_feeds[path] = body
        return self.url(path)

    def page(self, path: str, html_text: str) -> str:
        """Serve `html_text` at `path` as an HTML page; returns its URL."""
        with self.lock:
            self.pages[path] = html_text
        return self.url(path)

    @property
    def base(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{self.host_name or host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def url_as(self, host: str, path: str) -> str:
        """The same site under another host name that resolves to it (e.g. `localhost`)."""
        assert self.server is not None
        return f"http://{host}:{self.server.server_address[1]}{path}"

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
        """Wait until `predicate()` holds, re-checking it after every request the site serves."""
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self.hit:
                self.hit.wait(min(remaining, 1.0))
        return True

    def hits(self, path_prefix: str) -> list[Hit]:
        with self.lock:
            return [h for h in self.log if h.path.startswith(path_prefix)]

    # -- rendering ---------------------------------------------------------------
    def article_path(self, story: Story) -> str:
        return f"/news/{story.slug}"

    def render_article(self, story: Story, base: str | None = None) -> str:
        views = 1000 if self.stable else next(self.views)
        if story.page_render is not None:
            return story.page_render(views)
        if story.template is not None:
            return story.template(story, views)
        if story.page_html is not None:  # its bytes still change with every request
            return f"{story.page_html}\n<!-- request {views} -->"
        price = 1 + views % 7
        now = 1767225600.0 if self.stable else time.time()
        most_read = [s.title for s in self.stories.values() if s.slug != story.slug]
        most_read = (
            most_read[views % max(len(most_read), 1) :]
            + most_read[: views % max(len(most_read), 1)]
        )
        canonical_url = urljoin((base or self.base) + "/", story.canonical or "")
        canonical = (
            f'<link rel="canonical" href="{html.escape(canonical_url)}">' if story.canonical else ""
        )
        meta_charset = '<meta charset="utf-8">' if story.charset == "utf-8" else ""
        paragraphs = list(story.paragraphs)
        if self.churn:
            paragraphs[0] += f" (Update {views}.)"
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        if story.nest_last and paragraphs:
            *shallow, last = paragraphs
            body = "\n".join(f"<p>{html.escape(p)}</p>" for p in shallow) + (
                "<div>" * story.nest_last
                + f"<p>{html.escape(last)}</p>"
                + "</div>" * story.nest_last
            )
        if story.scripted:
            body = _scripted(paragraphs, story.embeds)
        if story.live_label:
            body = f"<p>Updated {views % 57 + 2} minutes ago</p>\n{body}"
        modified = (
            f'<meta property="article:modified_time" content="{story.updated.isoformat()}">'
            if story.updated
            else ""
        )
        related = "".join(
            f'<li><a href="/news/{s.slug}">{html.escape(s.title)}</a></li>'
            for s in list(self.stories.values())[:5]
            if s.slug != story.slug
        )
        reads = "".join(f"<li>{html.escape(t)}</li>" for t in most_read[:3])
        return f"""<!DOCTYPE html>
<html lang="{html.escape(story.lang)}"><head>{meta_charset}{modified}
<title>{html.escape(story.title)} - Loopback Gazette</title>
<meta property="og:site_name" content="Loopback Gazette">
<meta name="author" content="{html.escape(story.byline.removeprefix("By "))}">
{canonical}
</head><body>
<header class="site-header"><nav><a href="/">Home</a> <a href="/news">News</a>
<a href="/sport">Sport</a> <a href="/weather">Weather</a></nav>
<div class="cookie-banner">We use cookies. Visitor number {views}.</div></header>
<main>
<article class="story">
<h1>{html.escape(story.title)}</h1>
<p class="byline">{html.escape(story.byline)}</p>
<time datetime="{story.published.isoformat()}">{story.published:%d %B %Y}</time>
<figure><img src="/img/{story.slug}.jpg" alt="A photo for the story">
<figcaption>A photo for the story</figcaption></figure>
<div class="story-body">
{body}
</div>
<aside class="subscribe-promo"><p>Subscribe today for just £{price}.99 a month and read
without limits. Offer ends in {int(now) % 60} minutes.</p></aside>
<div class="share">Share this article: Facebook Twitter Email</div>
</article>
<aside class="related"><h2>Related stories</h2><ul>{related}</ul></aside>
<aside class="most-read"><h2>Most read</h2><ol>{reads}</ol></aside>
</main>
<footer><p>© 2026 Loopback Gazette. Page rendered at {now:.3f}. {views} views today.</p>
<a href="/about">About us</a> <a href="/contact">Contact</a></footer>
</body></html>"""

    def _link(self, story: Story) -> str:
        return self.url(story.feed_link or f"/news/{story.slug}")

    def _listed(self, only: set[str] | None) -> list[Story]:
        return [s for s in self.stories.values() if only is None or s.slug in only]

    def render_rss(self, base: str | None = None, only: set[str] | None = None) -> str:
        """The RSS feed, its links under `base` (the host asked for), of `only` those slugs."""
        base = base or self.base
        items = []
        for s in self._listed(only):
            link = base + (s.feed_link or f"/news/{s.slug}") + "?utm_source=rss&utm_medium=feed"
            items.append(
                f"<item><title>{html.escape(s.title)}</title><link>{html.escape(link)}</link>"
                f'<guid isPermaLink="false">{s.slug}</guid>'
                + (f"<pubDate>{format_datetime(s.published)}</pubDate>" if s.feed_dated else "")
                + "</item>"
            )
        language = f"<language>{self.feed_language}</language>" if self.feed_language else ""
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Loopback Gazette</title><link>{base}/</link>{language}"
            f"<description>News</description>{''.join(items)}</channel></rss>"
        )

    def render_big_feed(self) -> str:
        """An RSS feed of `big_feed_entries` entries, entry i published i minutes after 2026."""
        start = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
        items = "".join(
            f"<item><title>Brief {i}</title><link>{self.base}/news/brief-{i}</link>"
            f"<pubDate>{format_datetime(datetime.fromtimestamp(start + 60 * i, UTC))}</pubDate>"
            "</item>"
            for i in range(self.big_feed_entries)
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Wire</title><link>{self.base}/</link><description>All</description>"
            f"{items}</channel></rss>"
        )

    def render_atom(self) -> str:
        entries = "".join(
            f"<entry><title>{html.escape(s.title)}</title>"
            f'<link rel="alternate" href="{html.escape(self._link(s))}#top"/>'
            f"<id>urn:gazette:{s.slug}</id><updated>{s.published.isoformat()}</updated></entry>"
            for s in self.stories.values()
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Loopback Gazette</title><id>urn:gazette</id>"
            f"<updated>2026-01-01T00:00:00Z</updated>{entries}</feed>"
        )

    def render_rdf(self) -> str:
        items = "".join(
            f'<item rdf:about="{self.url("/news/" + s.slug)}"><title>{html.escape(s.title)}</title>'
            f"<link>{self.url('/news/' + s.slug)}</link></item>"
            for s in self.stories.values()
        )
        return (
            '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>Gazette</title>'
            f"<link>{self.base}/</link><description>d</description></channel>{items}</rdf:RDF>"
        )


def _scripted(paragraphs: list[str], embeds: tuple[str, ...]) -> str:
    """The story as a script writes it into the page, as single-page news apps do."""
    data = json.dumps(paragraphs).replace("</", "<\\/")
    loads = "".join(
        f'<script src="{html.escape(u)}"></script><img src="{html.escape(u)}" alt="">'
        f"<script>fetch({json.dumps(u)}).catch(function () {{}});</script>"
        for u in embeds
    )
    return (
        f"{loads}<script>var box = document.currentScript.parentNode; {data}.forEach("
        'function (t) { var p = document.createElement("p"); p.textContent = t; '
        "box.appendChild(p); });</script>"
    )


def _handler(site: NewsSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def _send(
            self,
            status: int,
            body: bytes | str,
            ctype: str = "text/html; charset=utf-8",
            headers: dict[str, str] | None = None,
        ) -> None:
            data = body.encode("utf-8") if isinstance(body, str) else body
            with site.lock:
                site.log.append(Hit(self.command, self.path, dict(self.headers.items()), status))
                site.hit.notify_all()
            self._left()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _base(self) -> str:
            """The site as this request named it: the same pages serve 127.0.0.1 and localhost."""
            host = self.headers.get("Host")
            return f"http://{host}" if host else site.base

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            with site.lock:
                route = site.routes.get(path)
            if route:
                return self._route(*route)
            if path == "/robots.txt":
                if site.robots_hold is not None:
                    site.robots_asked.set()
                    site.robots_hold.wait(30)
                return self._send(200, site.robots, "text/plain")
            if path.startswith("/feeds/"):
                return self._feed(path)
            if path.startswith("/sitemap"):
                return self._sitemap(path)
            if path.startswith("/go/"):  # a moved story: a permanent redirect to its page
                return self._send(301, "", headers={"Location": "/news/" + path[4:]})
            if path.startswith("/news/"):
                return self._article(path.removeprefix("/news/").strip("/"))
            if path.startswith("/alias/"):
                slug = path.removeprefix("/alias/")
                with site.lock:
                    story = site.stories.get(slug)
                if story:
                    return self._send(200, site.render_article(story))
            with site.lock:
                served = site.pages.get(path)
            if served is not None:
                return self._send(200, served)
            return self._send(404, "<h1>Not found</h1>")

        def _route(self, kind: str, target: str) -> None:
            if kind == "301":
                return self._send(301, "", headers={"Location": target})
            page = (
                '<html><head><meta http-equiv="refresh" content="0; url='
                f'{html.escape(target)}"></head><body>Moved</body></html>'
            )
            return self._send(200, page)

        def _feed(self, path: str) -> None:
            query = parse_qs(urlsplit(self.path).query)
            only = set(query["slugs"][0].split(",")) if "slugs" in query else None
            base = self._base()
            with site.lock:
                raw = site.raw_feeds.get(path)
            if raw is not None:
                return self._send(200, raw, "application/rss+xml; charset=utf-8")
            with site.lock:
                fault = site.feed_faults.get(path)
                renderers = {
                    "/feeds/rss.xml": lambda: site.render_rss(base, only),
                    "/feeds/big.xml": site.render_big_feed,
                    "/feeds/atom.xml": site.render_atom,
                    "/feeds/rdf.xml": site.render_rdf,
                }
                render = renderers.get(path)
                body = render() if render else None
            if fault == "500":
                return self._send(500, "oops")
            if fault == "garbage":
                return self._send(200, "<rss><channel><item><title>broken &", "application/xml")
            if body is None:
                return self._send(404, "no such feed")
            etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                return self._send(304, b"", headers={"ETag": etag})
            return self._send(200, body, "application/rss+xml; charset=utf-8", {"ETag": etag})

        def _sitemap(self, path: str) -> None:
            with site.lock:
                found = sitemap(site, path, self._base())
            if found is None:
                return self._send(404, "no such sitemap")
            body, ctype = found
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                return self._send(304, b"", headers={"ETag": etag})
            return self._send(200, body, ctype, {"ETag": etag})

        def _article(self, slug: str) -> None:
            self.gauges = [g for g in (site.in_flight, site.shared_in_flight) if g is not None]
            for gauge in self.gauges:
                gauge.enter()
            try:
                self._article_page(slug)
            finally:
                self._left()

        def _left(self) -> None:
            """Stop counting this request before its answer goes out: once the client has
            the answer it may send the next request, which must not overlap this one."""
            gauges, self.gauges = getattr(self, "gauges", []), []
            for gauge in gauges:
                gauge.leave()

        def _article_page(self, slug: str) -> None:
            with site.lock:
                story = site.stories.get(slug)
                fault = site.faults.get(slug)
                page = site.render_article(story, self._base()) if story else None
            if site.article_delay:
                time.sleep(site.article_delay)
            if site.hold is not None:
                site.hold.wait(30)
            if fault:
                return self._fault(fault, slug)
            if page is None:
                return self._send(404, "<h1>Not found</h1>")
            assert story is not None
            if story.etag:
                stable = "\n".join([story.title, *story.paragraphs])
                etag = '"' + hashlib.sha256(stable.encode()).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    return self._send(304, b"", headers={"ETag": etag})
                return self._send(200, page, headers={"ETag": etag})
            if story.charset != "utf-8" or story.declared_charset:
                declared = story.declared_charset or story.charset
                return self._send(200, page.encode(story.charset), f"text/html; charset={declared}")
            return self._send(200, page)

        def _fault(self, fault: str, slug: str) -> None:
            if fault in ("500", "404", "410"):
                return self._send(int(fault), f"<h1>Error {fault}</h1>")
            if fault == "timeout":
                time.sleep(site.timeout_seconds)
                return self._send(504, "late")
            if fault == "garbage":
                return self._send(200, b"\x00\x01garbage<<<>>>" * 10, "text/html")
            if fault == "redirect-loop":
                return self._send(302, "", headers={"Location": f"/news/{slug}"})
            if fault == "huge":
                return self._send(200, "<p>" + "x" * (3 * 1024 * 1024) + "</p>")
            if fault == "binary":
                return self._send(200, b"%PDF-1.4 binary", "application/pdf")
            if fault == "badbytes":
                return self._send(
                    200,
                    b"<html><body><p>" + bytes(range(128, 256)) * 200 + b"</p></body></html>",
                    "text/html; charset=utf-8",
                )
            if fault == "empty":
                return self._send(200, "<html><body></body></html>")
            raise AssertionError(fault)

    return Handler


SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def sitemap(site: NewsSite, path: str, base: str) -> tuple[bytes, str] | None:
    """The site's sitemaps: a plain urlset, a Google News sitemap (also gzipped as a file),
    and an index of the gzipped news sitemap and an old archive sitemap (which is a 404)."""
    stories = list(site.stories.values())
    if path == "/sitemap-index.xml":
        newest = max((s.published for s in stories), default=datetime(2026, 1, 1, tzinfo=UTC))
        children = [
            ("/sitemap-news.xml.gz", newest),
            ("/sitemap-archive.xml", datetime(2020, 1, 1, tzinfo=UTC)),
        ]
        body = "".join(
            f"<sitemap><loc>{base}{loc}</loc><lastmod>{when.isoformat()}</lastmod></sitemap>"
            for loc, when in children
        )
        xml = f"<sitemapindex {SITEMAP_NS}>{body}</sitemapindex>"
        return b'<?xml version="1.0" encoding="UTF-8"?>' + xml.encode(), "application/xml"
    if path == "/sitemap.xml":
        urls = "".join(
            f"<url><loc>{base}/news/{s.slug}</loc><lastmod>{s.published.isoformat()}</lastmod></url>"
            for s in stories
        )
    elif path in ("/sitemap-news.xml", "/sitemap-news.xml.gz"):
        urls = "".join(
            f"<url><loc>{base}/news/{s.slug}</loc><news:news><news:publication>"
            "<news:name>Loopback Gazette</news:name><news:language>en</news:language>"
            f"</news:publication><news:publication_date>{s.published.isoformat()}"
            f"</news:publication_date><news:title>{html.escape(s.title)}</news:title>"
            "</news:news></url>"
            for s in stories
        )
    else:
        return None
    xml = f'<?xml version="1.0" encoding="UTF-8"?><urlset {SITEMAP_NS} {NEWS_NS}>{urls}</urlset>'
    if path.endswith(".gz"):  # a gzip file, not Content-Encoding: the magic bytes say so
        return gzip.compress(xml.encode(), mtime=0), "application/x-gzip"
    return xml.encode(), "application/xml"


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up on a slow fault page are expected


def start(site: NewsSite, address: str = "127.0.0.1") -> NewsSite:
    """Serve `site` on a free port of `address` (any loopback address, e.g. 127.0.0.2)."""
    server = _QuietServer((address, 0), _handler(site))
    server.daemon_threads = True
    site.server = server
    threading.Thread(target=server.serve_forever, name="newssite", daemon=True).start()
    return site


def stop(site: NewsSite) -> None:
    if site.server is not None:
        site.server.shutdown()
        site.server.server_close()


def story(slug: str, n: int = 5, title: str | None = None, **kwargs: object) -> Story:
    """A story with `n` distinct, realistic paragraphs."""
    paragraphs = [
        f"Paragraph {i + 1} of the {slug} report: officials in the county said on Tuesday that "
        f"the council had reviewed {10 + i} cases and would publish its findings next month, "
        f"according to documents seen by this newspaper."
        for i in range(n)
    ]
    return Story(
        slug=slug,
        title=title or f"Council reviews {slug.replace('-', ' ')} cases",
        paragraphs=paragraphs,
        **kwargs,
    )  # type: ignore[arg-type]

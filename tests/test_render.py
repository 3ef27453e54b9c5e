"""Opt-in browser rendering: Debian's chromium through scrapy-playwright, guarded like HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from newsmon.crawl.render import browser_settings
from newsmon.guard.browser import url_refusal
from newsmon.guard.netguard import parse_networks
from newsmon.sources.registry import SourceChanges, apply_changes, source_by_slug
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Article, Check, Version
from tests import newssite, proxyserver
from tests.cli_helpers import cli_env, newsmon
from tests.newssite import story

CHROMIUM = "/usr/bin/chromium"
LOOPBACK_ONE = ["127.0.0.1/32"]  # the test site; 127.0.0.2 stands for an internal host


@pytest.fixture
def config(config):
    """Only 127.0.0.1 is opened: another loopback address is as off-limits as an intranet."""
    return config.with_(allow_networks=LOOPBACK_ONE)


@pytest.fixture
def internal():
    """A second site on 127.0.0.2, which no rendered page may reach."""
    site = newssite.start(newssite.NewsSite(), "127.0.0.2")
    yield site
    newssite.stop(site)


def render(config, slug: str, mode: str) -> None:
    with transaction(ensure_schema(config.database_url)) as session:
        apply_changes(source_by_slug(session, slug), SourceChanges(render=mode))


def texts_and_checks(db, slug_part: str) -> tuple[list[str], list[Check]]:
    db.expire_all()
    article = db.scalar(select(Article).where(Article.url.contains(slug_part)))
    texts = db.scalars(select(Version.text).where(Version.article_id == article.id))
    checks = db.scalars(select(Check).where(Check.article_id == article.id).order_by(Check.id))
    return list(texts), list(checks)


@pytest.mark.browser
@pytest.mark.sqlite_only
def test_a_scripted_story_is_captured_only_in_the_browser_which_reaches_no_blocked_host(
    site, internal, crawler, add_feed, clock, db, config
):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    site.redirect("/hop.js", internal.url("/via-redirect.js"))
    embeds = (
        internal.url("/direct.js"),  # script, image and fetch() straight at the blocked host
        site.url("/hop.js"),  # an allowed URL whose redirect leads there
        "http://169.254.169.254/latest/meta-data/",
    )
    told = site.publish(story("tunnel-vote", n=3, scripted=True, embeds=embeds))
    add_feed("gazette", site.url("/feeds/rss.xml"))

    crawler.once()  # plain HTTP: the paragraphs are only data inside a script
    texts, _ = texts_and_checks(db, "tunnel-vote")
    assert not any(told.paragraphs[0] in text for text in texts)

    render(config, "gazette", "browser")
    clock.advance(minutes=20)
    crawler.once()
    texts, checks = texts_and_checks(db, "tunnel-vote")
    assert checks[-1].outcome == "changed", checks[-1].detail
    assert texts[-1].splitlines()[-3:] == told.paragraphs
    assert site.hits("/hop.js"), "the redirecting script was requested through the guard"
    assert internal.hits("/") == []  # not directly, not by redirect
    assert [h.path for h in site.hits("/feeds/")]  # feeds stay plain HTTP
    assert all("HeadlessChrome" not in h.headers.get("User-Agent", "") for h in site.log)


@pytest.mark.browser
@pytest.mark.sqlite_only
def test_a_rendered_page_gets_no_response_beyond_the_download_cap(
    site, crawler, add_feed, clock, db, config
):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    runs = b"document.currentScript.parentNode.insertAdjacentHTML('beforeend', '<p>%s ran.</p>');"
    small = site.raw_feed("/feeds/small.js", runs % b"The small script")
    cap = int(config.max_page_mb * 1024 * 1024)
    big = site.raw_feed("/feeds/big.js", runs % b"The big script" + b"//" + b"x" * cap)
    site.publish(story("quay-works", n=3, scripted=True, embeds=(small, big)))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    render(config, "gazette", "browser")
    crawler.once()
    texts, checks = texts_and_checks(db, "quay-works")
    assert checks[-1].outcome == "changed", checks[-1].detail
    assert "The small script ran." in texts[-1]  # delivered scripts do run
    assert "The big script ran." not in texts[-1]
    assert site.hits("/feeds/big.js")  # fetched by the guard, then not handed to the page
    # Fetched by newsmon's guarded handler (connects only to the addresses it checked),
    # not by Playwright, which would ask for compression.
    for hit in site.hits("/feeds/small.js"):
        assert "accept-encoding" not in {name.lower() for name in hit.headers}, [
            h.headers for h in site.hits("/feeds/small.js")
        ]


@pytest.mark.sqlite_only
def test_without_chromium_the_check_names_the_missing_browser(
    site, reactor, add_feed, clock, db, config
):
    from newsmon.crawl.service import CrawlService
    from tests.conftest import Crawler

    absent = config.with_(chromium_path="/opt/none/chromium")
    crawler = Crawler(CrawlService(absent, clock), reactor)
    site.publish(story("pier-repairs"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    render(config, "gazette", "browser")
    crawler.once()
    texts, checks = texts_and_checks(db, "pier-repairs")
    assert texts == [] and checks[-1].outcome == "error"
    assert "browser rendering needs chromium at /opt/none/chromium" in checks[-1].detail
    assert site.hits("/news/pier-repairs") == []


@pytest.mark.sqlite_only
def test_sources_set_render_browser_warns_at_once_when_chromium_is_absent(tmp_path):
    env = cli_env(tmp_path, NEWSMON_CHROMIUM_PATH="/opt/none/chromium")
    assert newsmon(tmp_path, "sources", "add", "g", "https://g.example/f", env=env).returncode == 0
    done = newsmon(tmp_path, "sources", "set", "g", "--render", "browser", env=env)
    assert done.returncode == 0 and "g: render: browser" in done.stdout
    assert "warning: browser rendering needs chromium at /opt/none/chromium" in done.stderr


def test_the_browser_guard_refuses_what_the_http_guard_refuses():
    allow = parse_networks(LOOPBACK_ONE)

    def refused(url: str) -> str | None:
        return asyncio.run(url_refusal(url, allow))

    assert refused("http://169.254.169.254/latest/") == (
        "refused: 169.254.169.254 is a link-local address"
    )
    assert refused("http://127.0.0.2:8080/x.js") == "refused: 127.0.0.2 is a loopback address"
    assert refused("ws://[::1]:9000/live") == "refused: ::1 is a loopback address"
    assert refused("file:///etc/passwd") == "refused: file scheme"
    assert refused("http://127.0.0.1:8000/story") is None
    assert refused("data:text/plain,hello") is None


@pytest.fixture
def proxy():
    p = proxyserver.start(proxyserver.Proxy())
    yield p
    proxyserver.stop(p)


@pytest.mark.browser
@pytest.mark.sqlite_only
def test_a_proxied_sources_robots_txt_and_rendered_page_go_through_its_proxy(
    site, proxy, crawler, add_feed, clock, db, config
):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    runs = b"document.currentScript.parentNode.insertAdjacentHTML('beforeend', '<p>Proxied.</p>');"
    script = site.raw_feed("/feeds/proxied.js", runs)
    told = site.publish(story("ferry-timetable", n=3, scripted=True, embeds=(script,)))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    with transaction(ensure_schema(config.database_url)) as session:
        changes = SourceChanges(render="browser", proxy=f"http://desk:pw@127.0.0.1:{proxy.port}")
        apply_changes(source_by_slug(session, "gazette"), changes)
    crawler.once()
    texts, checks = texts_and_checks(db, "ferry-timetable")
    assert checks[-1].outcome == "changed", checks[-1].detail
    assert told.paragraphs[0] in texts[-1] and "Proxied." in texts[-1]
    relayed = [r.target for r in proxy.relayed]
    for path in ("/robots.txt", "/feeds/rss.xml", "/news/ferry-timetable", "/feeds/proxied.js"):
        assert site.url(path) in relayed, path
    login = "Basic ZGVzazpwdw=="  # desk:pw
    assert all(r.headers.get("Proxy-Authorization") == login for r in proxy.relayed)


@pytest.mark.browser
@pytest.mark.sqlite_only
def test_chromium_as_launched_reaches_no_site_without_the_guards_route(site, config):
    """The guard's route fulfils every request of a rendered page; Chromium's own network
    is pointed at a closed port, so a request that ever slipped past the route (a page
    whose init callback failed) fails instead of reaching a site unguarded."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import Error, sync_playwright

    options = browser_settings(config)["PLAYWRIGHT_LAUNCH_OPTIONS"]
    site.publish(story("harbour-gate"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**options)
        try:
            with pytest.raises(Error, match="ERR_PROXY_CONNECTION_FAILED"):
                browser.new_page().goto(site.url("/news/harbour-gate"), timeout=30_000)
        finally:
            browser.close()
    assert site.hits("/news/harbour-gate") == []

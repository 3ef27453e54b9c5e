"""The web admin: off without an account, every write behind login and CSRF, the login
rate-limited, sources added, paused and resumed from the browser, and private mode."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from newsmon.config.settings import Config
from newsmon.core.clock import FixedClock
from newsmon.sources.registry import SourceChanges, SourceSpec, add_source, apply_changes
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import AdminUser, Article, Feed, Source, Subscription
from newsmon.web.auth import add_admin
from tests import proxyserver
from tests.newssite import story
from tests.web_fixtures import serve

PASSWORD = "correct horse battery"
WRITE_ROUTES = [
    "/admin/sources",
    "/admin/sources/gazette/pause",
    "/admin/sources/gazette/resume",
    "/admin/sources/gazette/settings",
    "/admin/feeds/pause",
    "/admin/feeds/resume",
    "/admin/feeds/remove",
    "/admin/subscriptions",
    "/admin/subscriptions/1/test",
    "/admin/subscriptions/1/remove",
]


def make_admin(config: Config, clock: FixedClock, name: str = "alice") -> str:
    """Adds an admin account; returns its feed token."""
    with transaction(ensure_schema(config.database_url)) as session:
        return add_admin(session, name=name, password=PASSWORD, now=clock.now()).feed_token


@pytest.fixture
def web(config: Config, clock: FixedClock) -> Iterator[httpx.Client]:
    served = serve(config, clock)
    try:
        with httpx.Client(base_url=served.base, timeout=10) as client:
            yield client
    finally:
        served.stop()


def csrf(client: httpx.Client, path: str = "/admin/login") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def log_in(client: httpx.Client, password: str = PASSWORD) -> httpx.Response:
    token = csrf(client)
    return client.post("/admin/login", data={"csrf": token, "name": "alice", "password": password})


def test_admin_is_off_until_an_account_exists(web: httpx.Client) -> None:
    assert web.get("/admin/login").status_code == 404
    assert (
        web.post("/admin/sources", data={"slug": "x", "feeds": "http://a.example/"}).status_code
        == 404
    )
    assert web.get("/sources").status_code == 200  # reading stays public and unchanged


def test_every_write_route_refuses_a_visitor(web: httpx.Client, config, clock, db) -> None:
    make_admin(config, clock)
    token = csrf(web)  # a valid form token: the refusal comes from the missing login
    for route in WRITE_ROUTES:
        answer = web.post(route, data={"csrf": token, "slug": "x", "feeds": "http://a.example/f"})
        assert answer.status_code in (401, 403), (route, answer.status_code)
    page = web.get("/admin")
    assert page.status_code == 303 and page.headers["location"].startswith("/admin/login")
    assert db.scalars(select(Source)).all() == []


def test_a_form_without_its_csrf_token_is_refused(web: httpx.Client, config, clock, db) -> None:
    make_admin(config, clock)
    assert log_in(web).status_code == 303
    form = {"slug": "gazette", "feeds": "http://127.0.0.1:9/feed.xml"}
    assert web.post("/admin/sources", data=form).status_code == 403
    assert web.post("/admin/sources", data={**form, "csrf": "forged"}).status_code == 403
    assert db.scalars(select(Source)).all() == []
    assert web.post("/admin/sources", data={**form, "csrf": csrf(web, "/admin")}).status_code == 303
    assert db.scalars(select(Source.slug)).all() == ["gazette"]


def test_ten_wrong_passwords_are_rate_limited(web: httpx.Client, config, clock) -> None:
    make_admin(config, clock)
    answers = [log_in(web, password=f"wrong {n}").status_code for n in range(10)]
    assert answers[0] == 401 and answers[-1] == 429, answers
    assert log_in(web).status_code == 429  # even the right password waits
    clock.advance(timedelta(minutes=16))
    assert log_in(web).status_code == 303


def test_session_cookie_flags(config, clock) -> None:
    make_admin(config, clock)
    served = serve(config.model_copy(update={"public_url": "https://news.example.org/"}), clock)
    try:
        with httpx.Client(base_url=served.base, timeout=10) as client:
            cookie = client.get("/admin/login").headers["set-cookie"].lower()
    finally:
        served.stop()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie


def test_add_pause_and_resume_a_source_from_the_web(
    web: httpx.Client, site, crawler, config, clock, db
) -> None:
    make_admin(config, clock)
    site.publish(story("river-pollution"))
    assert log_in(web).status_code == 303
    feed_url = site.url("/feeds/rss.xml")
    added = web.post(
        "/admin/sources",
        data={"csrf": csrf(web, "/admin"), "slug": "gazette", "name": "Gazette", "feeds": feed_url},
    )
    assert added.status_code == 303
    assert "gazette: 1 feed(s) added" in web.get("/admin").text
    crawler.once()
    assert site.hits("/feeds/rss.xml") and site.hits("/news/")

    paused = web.post("/admin/sources/gazette/pause", data={"csrf": csrf(web, "/admin")})
    assert paused.status_code == 303
    site.reset()
    clock.advance(hours=2)
    crawler.once(everything=True)  # every feed and article, due or not, unless paused
    assert site.log == []
    assert "paused" in web.get("/admin").text

    web.post("/admin/sources/gazette/resume", data={"csrf": csrf(web, "/admin")})
    crawler.once(everything=True)
    assert site.hits("/feeds/rss.xml") and site.hits("/news/")


def test_one_feed_paused_and_removed_from_the_web(
    web: httpx.Client, site, crawler, config, clock, db, add_feed
) -> None:
    make_admin(config, clock)
    add_feed("gazette", site.url("/feeds/rss.xml"), site.url("/feeds/atom.xml"))
    assert log_in(web).status_code == 303
    data = {"csrf": csrf(web, "/admin"), "url": site.url("/feeds/atom.xml")}
    assert web.post("/admin/feeds/pause", data=data).status_code == 303
    crawler.once()
    assert site.hits("/feeds/rss.xml") and not site.hits("/feeds/atom.xml")
    assert web.post("/admin/feeds/remove", data=data).status_code == 303
    db.expire_all()
    assert db.scalars(select(Feed.url)).all() == [site.url("/feeds/rss.xml")]


def test_private_mode_hides_every_page_and_feed(config, clock, site, crawler, add_feed) -> None:
    token = make_admin(config, clock)
    site.publish(story("river-pollution"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    served = serve(config.model_copy(update={"private": True}), clock)
    pages = ["/", "/sources", "/sources/gazette", "/search?q=river", "/api/sources", "/api/docs"]
    feeds = ["/feeds/changes.rss", "/feeds/changes.atom", "/sources/gazette/changes.rss"]
    try:
        with httpx.Client(base_url=served.base, timeout=10) as client:
            for path in pages + feeds:
                answer = client.get(path)
                assert answer.status_code in (303, 401), (path, answer.status_code)
                assert "river" not in answer.text.lower(), path
            for path in feeds:
                assert client.get(path, params={"token": "guess"}).status_code == 401
                assert client.get(path, params={"token": token}).status_code == 200, path
            assert log_in(client).status_code == 303
            for path in pages + feeds:
                assert client.get(path).status_code == 200, path
    finally:
        served.stop()


def test_admin_account_from_the_cli_is_hashed(config, clock, db) -> None:
    make_admin(config, clock)
    stored = db.scalars(select(AdminUser.password_hash)).one()
    assert stored.startswith("$argon2") and PASSWORD not in stored


def test_settings_and_subscriptions_from_the_web(
    web: httpx.Client, config, clock, db, add_feed
) -> None:
    make_admin(config, clock)
    add_feed("gazette", "http://127.0.0.1:9/feeds/rss.xml")
    assert log_in(web).status_code == 303
    form = {"csrf": csrf(web, "/admin"), "body_selector": "div.story", "render": "http"}
    assert web.post("/admin/sources/gazette/settings", data=form).status_code == 303
    assert "gazette: body selector: div.story" in web.get("/admin").text
    db.expire_all()
    assert db.scalars(select(Source.extract_rules)).one()["body_selector"] == "div.story"
    assert db.scalars(select(Source.language_pinned)).one() is False  # the form left it

    hook = {"csrf": csrf(web, "/admin"), "url": "http://127.0.0.1:9/hook", "source": "gazette"}
    assert web.post("/admin/subscriptions", data=hook).status_code == 303
    page = web.get("/admin").text
    assert "subscription 1 added" in page and "http://127.0.0.1:9/hook" in page
    tested = web.post("/admin/subscriptions/1/test", data={"csrf": csrf(web, "/admin")})
    assert tested.status_code == 303
    assert "test notification to subscription 1: not delivered" in web.get("/admin").text
    web.post("/admin/subscriptions/1/remove", data={"csrf": csrf(web, "/admin")})
    assert "http://127.0.0.1:9/hook" not in web.get("/admin").text

    # Source events: ticked by default; a subscriber can leave them out, as `--no-events`.
    for url, events in (
        ("http://127.0.0.1:9/all", ["off", "on"]),
        ("http://127.0.0.1:9/quiet", ["off"]),
    ):
        sent = {"csrf": csrf(web, "/admin"), "url": url, "events": events}
        assert web.post("/admin/subscriptions", data=sent).status_code == 303
    db.expire_all()
    assert dict(db.execute(select(Subscription.url, Subscription.events)).tuples().all()) == {
        "http://127.0.0.1:9/all": True,
        "http://127.0.0.1:9/quiet": False,
    }


def test_a_sources_secrets_are_masked_on_the_admin_page(web: httpx.Client, config, clock) -> None:
    make_admin(config, clock)
    with transaction(ensure_schema(config.database_url)) as session:
        source, _ = add_source(
            session,
            spec=SourceSpec(slug="gazette", name="Gazette", feeds=("http://127.0.0.1:9/f.xml",)),
            now=clock.now(),
        )
        apply_changes(
            source,
            SourceChanges(
                headers=("X-Edition: uk",),
                cookie="session=cookie-secret-1",
                proxy="http://desk:proxy-secret-2@127.0.0.1:3128",
                min_interval=3600,
            ),
        )
    assert log_in(web).status_code == 303
    page = web.get("/admin").text
    assert "cookie-secret-1" not in page and "proxy-secret-2" not in page
    assert "cookie session=***" in page and "proxy http://***@127.0.0.1:3128" in page
    assert "X-Edition: uk" in page and "at least 3600 s" in page


FEED_LINK = '<link rel="alternate" type="application/rss+xml" title="News" href="/feeds/rss.xml">'


@pytest.mark.sqlite_only
def test_a_source_added_by_its_site_url_gets_the_feed_its_page_links(
    web: httpx.Client, site, crawler, config, clock, db
) -> None:
    make_admin(config, clock)
    site.publish(story("ferry-strike"))
    home = site.page("/", f"<html><head>{FEED_LINK}</head><body>Front page</body></html>")
    assert log_in(web).status_code == 303
    form = {"csrf": csrf(web, "/admin"), "slug": "gazette", "site": home}
    assert web.post("/admin/sources", data=form).status_code == 303
    said = f"gazette: 1 feed(s) added; found on the page: feed {site.url('/feeds/rss.xml')}"
    assert said in web.get("/admin").text
    assert db.scalars(select(Feed.url)).all() == [site.url("/feeds/rss.xml")]
    crawler.once()
    assert db.scalars(select(Article.url)).all() == [site.url("/news/ferry-strike")]

    site.page("/", "<html><body>No feeds here</body></html>")  # and robots.txt names none
    form = {"csrf": csrf(web, "/admin"), "slug": "other", "site": home}
    assert web.post("/admin/sources", data=form).status_code == 303
    page = web.get("/admin").text
    assert f"other: nothing added: found no feed linked from {home}" in page
    assert "lists no sitemaps" in page
    db.expire_all()
    assert db.scalars(select(Source.slug)).all() == ["gazette"]


COOKIE_SECRET = "subscriber-cookie-s3cret"
PROXY_SECRET = "pr0xy-pa55"


@pytest.fixture
def proxy() -> Iterator[proxyserver.Proxy]:
    p = proxyserver.start(proxyserver.Proxy())
    yield p
    proxyserver.stop(p)


@pytest.mark.sqlite_only
def test_access_options_set_on_the_web_reach_the_site_and_secrets_never_come_back(
    web: httpx.Client, site, crawler, config, clock, db, add_feed, proxy
) -> None:
    make_admin(config, clock)
    site.publish(story("tram-fares"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    assert log_in(web).status_code == 303
    settings = "/admin/sources/gazette/settings"
    form = {
        "headers": "X-Edition: uk\nAuthorization: Bearer tok-1",
        "cookie": f"session={COOKIE_SECRET}",
        "user_agent": "GazetteReader/2.0",
        "proxy": f"http://desk:{PROXY_SECRET}@127.0.0.1:{proxy.port}",
        "interval": "1h",
    }
    assert web.post(settings, data=form).status_code == 403  # no CSRF token
    assert db.scalars(select(Source.access)).one() is None
    assert web.post(settings, data={**form, "csrf": csrf(web, "/admin")}).status_code == 303
    crawler.once()
    assert {site.url("/feeds/rss.xml"), site.url("/news/tram-fares")} <= {
        r.target for r in proxy.relayed
    }
    for path in ("/feeds/rss.xml", "/news/tram-fares"):
        headers = {k.lower(): v for k, v in site.hits(path)[-1].headers.items()}
        assert headers["x-edition"] == "uk" and headers["authorization"] == "Bearer tok-1"
        assert headers["cookie"] == f"session={COOKIE_SECRET}"
        assert headers["user-agent"] == "GazetteReader/2.0"

    page = web.get("/admin").text
    for secret in (COOKIE_SECRET, PROXY_SECRET, "tok-1"):
        assert secret not in page
    assert "Authorization: ***" in page and "at least 3600 s" in page

    # The form as the page shows it, sent back: empty secret fields and *** keep the values.
    shown = re.search(r'name="headers"[^>]*>([^<]*)</textarea>', page)
    assert shown
    kept = {"csrf": csrf(web, "/admin"), "headers": shown.group(1), "cookie": "", "proxy": ""}
    assert web.post(settings, data=kept).status_code == 303
    db.expire_all()
    access = db.scalars(select(Source.access)).one()
    assert access["cookie"] == f"session={COOKIE_SECRET}" and PROXY_SECRET in access["proxy"]
    assert ["Authorization", "Bearer tok-1"] in access["headers"]
    cleared = {"csrf": csrf(web, "/admin"), "clear_cookie": "on", "clear_proxy": "on"}
    assert web.post(settings, data=cleared).status_code == 303
    db.expire_all()
    access = db.scalars(select(Source.access)).one()
    assert "cookie" not in access and "proxy" not in access


@pytest.mark.sqlite_only
def test_a_proxy_the_guard_refuses_is_not_stored_from_the_web(
    web: httpx.Client, config, clock, db, add_feed
) -> None:
    make_admin(config, clock)
    add_feed("gazette", "http://127.0.0.1:9/feeds/rss.xml")
    assert log_in(web).status_code == 303
    form = {"csrf": csrf(web, "/admin"), "proxy": "http://169.254.169.254:3128"}
    assert web.post("/admin/sources/gazette/settings", data=form).status_code == 303
    page = web.get("/admin").text
    assert "169.254.169.254 is a link-local address" in page and "allow_networks" in page
    assert db.scalars(select(Source.access)).one() is None

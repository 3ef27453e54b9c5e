"""Per-source access, notifications from `newsmon crawl`, one identifier: the CLI as a user
runs it (a real process, a real SQLite file) against the loopback news site."""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy.http import Request
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from newsmon.crawl.service import CrawlService
from newsmon.guard.fetch import GuardMiddleware, Refused
from newsmon.guard.netguard import parse_networks
from newsmon.sources.access import proxy_problem
from newsmon.sources.registry import SourceChanges, apply_changes, source_by_slug
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Article, Feed
from tests import proxyserver
from tests import receiver as rx
from tests.cli_helpers import cli_env, newsmon, one_error_line, run_until_started
from tests.conftest import Crawler
from tests.newssite import story

COOKIE_SECRET = "s3cret-subscriber-session"
PROXY_SECRET = "pr0xy-pa55word"


@pytest.fixture
def run(tmp_path):
    def run(*args: str) -> str:
        done = newsmon(tmp_path, *args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    return run


@pytest.fixture
def proxy():
    p = proxyserver.start(proxyserver.Proxy())
    yield p
    proxyserver.stop(p)


@pytest.fixture
def receiver():
    r = rx.start(rx.Receiver())
    yield r
    rx.stop(r)


def stored(tmp_path: Path, model):
    engine = create_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with Session(engine) as session:
            return list(session.scalars(select(model)))
    finally:
        engine.dispose()


def test_a_sources_header_cookie_and_user_agent_arrive_and_secrets_stay_masked(site, run, tmp_path):
    site.publish(story("tram-fares"))
    run("sources", "add", "gazette", site.url("/feeds/rss.xml"))
    said = run(
        "sources",
        "set",
        "gazette",
        "--header",
        "X-Edition: uk",
        "--cookie",
        f"session={COOKIE_SECRET}",
        "--user-agent",
        "GazetteReader/2.0 (+https://desk.example)",
    )
    assert COOKIE_SECRET not in said and "session=***" in said
    run("crawl")
    for path in ("/feeds/rss.xml", "/news/tram-fares"):
        hits = site.hits(path)
        assert hits, path
        headers = {k.lower(): v for k, v in hits[-1].headers.items()}
        assert headers["x-edition"] == "uk"
        assert headers["cookie"] == f"session={COOKIE_SECRET}"
        assert headers["user-agent"] == "GazetteReader/2.0 (+https://desk.example)"

    listed = run("sources", "list")
    assert "header X-Edition: uk" in listed and "cookie session=***" in listed
    as_json = run("sources", "list", "--json")
    assert json.loads(as_json)[0]["access"]["cookie"] == "session=***"
    exported = run("export")
    for shown in (listed, as_json, exported):
        assert COOKIE_SECRET not in shown


def test_a_proxy_setting_routes_the_sources_requests_through_it(site, run, proxy):
    site.publish(story("harbour-dredging"))
    run("sources", "add", "gazette", site.url("/feeds/rss.xml"))
    proxy_url = f"http://desk:{PROXY_SECRET}@127.0.0.1:{proxy.port}"
    assert PROXY_SECRET not in run("sources", "set", "gazette", "--proxy", proxy_url)
    run("crawl")
    asked = [r.target for r in proxy.relayed]
    assert site.url("/feeds/rss.xml") in asked
    assert site.url("/news/harbour-dredging") in asked
    login = base64.b64encode(f"desk:{PROXY_SECRET}".encode()).decode()
    assert all(r.headers.get("Proxy-Authorization") == f"Basic {login}" for r in proxy.relayed)
    listed = run("sources", "list") + run("sources", "list", "--json")
    assert PROXY_SECRET not in listed
    assert f"proxy http://***@127.0.0.1:{proxy.port}" in listed


@pytest.mark.parametrize(
    ("proxy_url", "message"),
    [
        ("http://169.254.169.254:3128", "169.254.169.254 is a link-local address"),
        ("http://10.1.2.3:3128", "10.1.2.3 is a private address"),
        ("socks5://127.0.0.1:1080", "SOCKS proxies are not supported"),
    ],
)
def test_a_proxy_the_guard_refuses_is_not_stored(site, run, tmp_path, proxy_url, message):
    run("sources", "add", "gazette", site.url("/feeds/rss.xml"))
    line = one_error_line(newsmon(tmp_path, "sources", "set", "gazette", "--proxy", proxy_url))
    assert message in line
    if "SOCKS" not in message:
        assert "allow_networks (NEWSMON_ALLOW_NETWORKS)" in line
    assert "proxy" not in run("sources", "list")


def test_the_sources_interval_floors_the_next_check_and_poll(site, run, tmp_path):
    site.publish(story("school-meals"))
    run("sources", "add", "gazette", site.url("/feeds/rss.xml"))
    assert "interval" in run("sources", "set", "gazette", "--interval", "6h")
    before = datetime.now(UTC)
    run("crawl")
    (article,) = stored(tmp_path, Article)
    (feed,) = stored(tmp_path, Feed)
    # the policy alone says 15 minutes for a fresh story and 5 for the feed
    assert article.next_check_at >= before + timedelta(hours=6)
    assert feed.next_poll_at >= before + timedelta(hours=6)
    assert "interval: at least 21600 s" in run("sources", "list")


def test_crawl_delivers_notifications_and_the_log_names_url_and_versions(site, run, receiver):
    site.publish(story("bridge-tolls"))
    run("sources", "add", "gazette", site.url("/feeds/rss.xml"))
    run("notify", "add", receiver.url)
    run("crawl")
    site.edit("bridge-tolls", paragraph=(1, "Tolls will now rise by a third, not a quarter."))
    out = run("crawl", "--all")
    assert "notifications: 1 delivered" in out
    assert len([r for r in receiver.received if r.path == "/hook"]) == 1
    log = run("notify", "log")
    assert f"{site.url('/news/bridge-tolls')} version 0\u21921" in log
    assert "delivered" in log


def test_articles_print_ids_that_versions_and_diff_take(site, run, tmp_path):
    site.publish(story("park-closure"))
    run("sources", "add", "gazette", site.url("/feeds/rss.xml"))
    run("crawl")
    site.edit("park-closure", paragraph=(1, "The park will reopen in May after all."))
    run("crawl", "--all")
    (article,) = json.loads(run("articles", "--json"))
    ident = str(article["id"])
    assert run("articles").split()[0] == ident
    assert "version 1" in run("versions", ident)
    assert "May after all" in run("diff", ident, "0", "1")
    missing = one_error_line(newsmon(tmp_path, "diff", "999", "0", "1"))
    assert "no article has id 999" in missing


def test_run_warns_once_at_start_about_the_default_contact_url(site, tmp_path):
    assert (
        newsmon(tmp_path, "sources", "add", "gazette", site.url("/feeds/rss.xml")).returncode == 0
    )
    env = cli_env(tmp_path, NEWSMON_LOG_LEVEL="INFO")
    started = run_until_started(tmp_path, env)
    warned = [line for line in started.splitlines() if "contact_url" in line]
    assert len(warned) == 1 and "NEWSMON_CONTACT_URL" in warned[0]


def test_the_crawls_guard_refuses_a_stored_proxy_off_the_allow_list():
    """A proxy stored while a range was open is still refused once it is closed."""
    guard = GuardMiddleware(parse_networks("127.0.0.0/8"))
    public = "http://93.184.215.14/news/x"
    guard.process_request(Request(public, meta={"proxy": "http://127.0.0.1:3128"}))
    with pytest.raises(Refused, match=r"169\.254\.169\.254 is a link-local address.*proxy"):
        guard.process_request(Request(public, meta={"proxy": "http://169.254.169.254:3128"}))


@pytest.mark.sqlite_only
def test_a_proxy_named_by_host_is_checked_when_used_not_only_when_set(
    site, proxy, config, clock, reactor, crawler, add_feed, db, caplog
):
    """A proxy name that pointed to an allowed range when it was set may point elsewhere
    later (a DNS change): the crawl resolves and checks it as it connects."""
    site.publish(story("harbour-dredging"))
    feed_url = site.url_as("localhost", "/feeds/rss.xml")  # a name: the proxy resolves it
    add_feed("gazette", feed_url)
    proxy_url = f"http://localhost:{proxy.port}"
    assert proxy_problem(proxy_url, parse_networks(config.allow_networks)) is None  # set
    with transaction(ensure_schema(config.database_url)) as session:
        apply_changes(source_by_slug(session, "gazette"), SourceChanges(proxy=proxy_url))

    closed = Crawler(CrawlService(config.model_copy(update={"allow_networks": []}), clock), reactor)
    with caplog.at_level(logging.WARNING):
        closed.once(everything=True)
    refused = [r.getMessage() for r in caplog.records if feed_url in r.getMessage()]
    assert refused and "is a loopback address (resolved from localhost)" in refused[0]
    assert "the source's proxy" in refused[0] and "NEWSMON_ALLOW_NETWORKS" in refused[0]
    assert proxy.relayed == [] and db.scalars(select(Article)).all() == []

    crawler.once(everything=True)  # loopback open again: the named proxy is used
    assert feed_url in [r.target for r in proxy.relayed]
    assert db.scalars(select(Article)).all()

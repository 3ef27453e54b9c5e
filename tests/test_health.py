"""Extraction health per source: pages that suddenly read as empty raise an alarm, hold
the source's changes back from notifications, and recovery clears it and sends them."""

from __future__ import annotations

import html
import json

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from newsmon.cli import _register, cli
from newsmon.notify.records import add_subscription, enqueue
from newsmon.notify.sourcewatch import watch_sources
from newsmon.record.health import HealthFigures, assess
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Delivery, Source, SourceEvent
from newsmon.web.app import create_app
from tests.cli_helpers import cli_env, newsmon
from tests.newssite import story

SLUGS = [f"tide-report-{i}" for i in range(6)]
EDIT = "The harbour master now says the tide will peak at noon, not at dawn."


def watch(config, clock) -> list[str]:
    changes = watch_sources(ensure_schema(config.database_url), now=clock.now())
    return [change.kind for change in changes]


def pending(config, clock) -> int:
    with transaction(ensure_schema(config.database_url)) as session:
        enqueue(session, now=clock.now())
    with transaction(ensure_schema(config.database_url)) as session:
        changes = select(Delivery).where(Delivery.version_id.is_not(None))
        return len(session.scalars(changes).all())  # the source's events are told apart


def crawl(crawler, clock) -> None:
    clock.advance(hours=1)
    crawler.once(everything=True)


def test_a_source_degrades_when_half_its_recent_checks_extract_nothing():
    well = HealthFigures(checks=20, failed=2, recent_median=900, history_median=1000)
    assert assess(well, degraded=False) is None
    empty = HealthFigures(checks=20, failed=10, recent_median=900, history_median=1000)
    assert "10 of its last 20 checks" in (assess(empty, degraded=False) or "")
    stub = HealthFigures(checks=20, failed=0, recent_median=300, history_median=1000)
    assert "30%" in (assess(stub, degraded=False) or "")
    edging = HealthFigures(checks=20, failed=5, recent_median=900, history_median=1000)
    assert assess(edging, degraded=False) is None  # not yet degraded
    assert assess(edging, degraded=True) is not None  # nor clearly recovered


def degrade(site, crawler, add_feed, clock, config) -> None:
    """Six stories read well twice, then five read as empty while the sixth is edited."""
    for slug in SLUGS:
        site.publish(story(slug, n=4))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once(everything=True)
    crawl(crawler, clock)
    assert watch(config, clock) == []
    with transaction(ensure_schema(config.database_url)) as session:
        add_subscription(session, url="https://hooks.example/newsmon", now=clock.now())

    for slug in SLUGS[1:]:  # a redesign: the pages come back 200 and read as nothing
        site.fault(slug, "empty")
    site.edit(SLUGS[0], paragraph=(2, EDIT))
    crawl(crawler, clock)
    crawl(crawler, clock)
    assert watch(config, clock) == ["degraded"]
    assert pending(config, clock) == 0  # the edit captured meanwhile is held back


def test_empty_pages_raise_the_alarm_hold_notifications_and_recovery_clears_it(
    site, crawler, add_feed, clock, db, config
):
    degrade(site, crawler, add_feed, clock, config)
    app = TestClient(create_app(config, clock))
    health = app.get("/healthz")
    assert health.status_code == 200  # a detail, not a 503
    assert "gazette" in health.json()["sources_degraded"]
    page = app.get("/sources").text
    assert "Extraction degraded since" in page and "held back" in page
    metrics = app.get("/metrics").text
    assert 'newsmon_source_extraction_degraded{source="gazette"} 1.0' in metrics

    for slug in SLUGS[1:]:
        site.fault(slug, None)
    for _ in range(3):
        crawl(crawler, clock)
    assert watch(config, clock) == ["recovered"]
    assert pending(config, clock) == 1  # the held edit is sent now
    db.expire_all()
    assert db.scalar(select(Source.degraded_since)) is None
    kinds = list(db.scalars(select(SourceEvent.kind).order_by(SourceEvent.id)))
    assert kinds == ["degraded", "recovered"]
    assert "sources_degraded" not in app.get("/healthz").json()
    assert "Extraction degraded" not in app.get("/sources").text


def test_an_operator_sees_a_degraded_source_and_releases_its_held_changes(
    site, crawler, add_feed, clock, db, config, tmp_path
):
    degrade(site, crawler, add_feed, clock, config)
    env = cli_env(tmp_path, NEWSMON_DATABASE_URL=config.database_url)
    listed = newsmon(tmp_path, "sources", "list", env=env)
    assert "extraction degraded since" in listed.stdout, listed.stderr
    assert "newsmon sources release gazette" in listed.stdout
    released = newsmon(tmp_path, "sources", "release", "gazette", env=env)
    assert "1 held notification(s) queued" in released.stdout, released.stderr
    assert pending(config, clock) == 1
    assert "extraction degraded" not in newsmon(tmp_path, "sources", "list", env=env).stdout
    db.expire_all()
    assert list(db.scalars(select(SourceEvent.kind).order_by(SourceEvent.id))) == [
        "degraded",
        "released",
    ]


def app_shell(story, request: int) -> str:
    """The page of a site that moved to a script-rendered app: the visible page shows a
    loading line, the story is in its JSON-LD `articleBody` (the structured fallback)."""
    data = {
        "@type": "NewsArticle",
        "headline": story.title,
        "articleBody": "\n".join(story.paragraphs),
    }
    script = json.dumps(data).replace("<", "\\u003c")
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(story.title)}</title>"
        f"<script type='application/ld+json'>{script}</script></head>"
        f"<body><h1>{html.escape(story.title)}</h1><div id='app'>Loading…</div></body></html>"
    )


def fallback_figures(config, clock) -> tuple[str, str, str]:
    """The source's line in `sources list`, its row on the Sources page, its /metrics gauge."""
    _register()
    listed = CliRunner().invoke(cli, ["--db", config.database_url, "sources", "list"])
    line = next(x for x in listed.output.splitlines() if "extraction: " in x)
    app = TestClient(create_app(config, clock))
    row = next(x for x in app.get("/sources").text.splitlines() if "fell back" in x)
    metrics = app.get("/metrics").text.splitlines()
    gauge = next(x for x in metrics if x.startswith("newsmon_source_extraction_fallback_share{"))
    return line.strip(), row, gauge


@pytest.mark.sqlite_only
def test_the_share_of_checks_that_fell_back_rises_when_pages_need_the_fallback(
    site, crawler, add_feed, clock, config
):
    for slug in SLUGS:
        site.publish(story(slug, n=4))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once(everything=True)
    crawl(crawler, clock)
    line, row, gauge = fallback_figures(config, clock)
    assert "0% fell back" in line and "0% fell back" in row
    assert gauge == 'newsmon_source_extraction_fallback_share{source="gazette"} 0.0'

    for slug in SLUGS:  # the redesign: every page now needs its structured data
        site.stories[slug].template = app_shell
    crawl(crawler, clock)
    line, row, gauge = fallback_figures(config, clock)
    assert "of its last 18 checks, 0% failed, 33% fell back" in line, line
    assert "33% fell back" in row
    assert gauge == 'newsmon_source_extraction_fallback_share{source="gazette"} 0.3333333333333333'

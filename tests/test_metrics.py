"""/metrics and /healthz over real crawls: what an operator's Prometheus and uptime check see."""

from __future__ import annotations

import os
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from newsmon.crawl.metrics import CrawlMetrics, process_metrics
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Article, Check, CrawlerHeartbeat, Feed, Version
from tests.newssite import story
from tests.web_fixtures import serve


@pytest.fixture
def client(config, clock):
    served = serve(config, clock)
    with httpx.Client(base_url=served.base, timeout=10) as http:
        yield http
    served.stop()


def scrape(client: httpx.Client) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics as {(name, sorted labels): value}, read by Prometheus' parser."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def checks_by_outcome(samples: dict) -> Counter:
    return Counter(
        {
            dict(labels)["outcome"]: value
            for (name, labels), value in samples.items()
            if name == "newsmon_checks_total"
        }
    )


def beat(config, *, pid: int, seen) -> None:
    with transaction(ensure_schema(config.database_url)) as session:
        session.add(CrawlerHeartbeat(host="test", pid=pid, started_at=seen, seen_at=seen))


def test_crawl_metrics_count_checks_and_gauges_match_the_rows(
    client, site, crawler, add_feed, clock, config, db
):
    for slug in ("one", "two", "three"):
        site.publish(story(slug))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    add_feed("broken", site.url("/feeds/missing.xml"))
    before = scrape(client)
    crawler.once()
    clock.advance(hours=1)
    site.edit("one", paragraph=(0, "An entirely new first paragraph."))
    site.fault("three", "500")
    crawler.once(everything=True)
    clock.advance(hours=2)  # every article is due again; nothing is checking them
    beat(config, pid=1, seen=clock.now() - timedelta(seconds=30))
    beat(config, pid=2, seen=clock.now() - timedelta(minutes=10))
    after = scrape(client)

    db.expire_all()
    stored = Counter(
        dict(db.execute(select(Check.outcome, func.count()).group_by(Check.outcome)).all())
    )
    counted = checks_by_outcome(after) - checks_by_outcome(before)
    assert counted.pop("captured") == 3  # a new article's first version: a "changed" row
    counted["changed"] += 3
    assert counted == stored and stored["changed"] == 4 and stored["error"] == 1
    fetches = after[("newsmon_fetch_seconds_count", ())] - before.get(
        ("newsmon_fetch_seconds_count", ()), 0
    )
    assert fetches == db.scalar(select(func.count()).where(Check.duration_ms.is_not(None)))
    extractions = after[("newsmon_extraction_seconds_count", ())] - before.get(
        ("newsmon_extraction_seconds_count", ()), 0
    )
    assert extractions >= stored["changed"]

    due = [a.next_check_at for a in db.scalars(select(Article)) if a.next_check_at <= clock.now()]
    assert after[("newsmon_due_backlog", ())] == len(due) == 3
    lag = (clock.now() - min(due)).total_seconds()
    assert after[("newsmon_schedule_lag_seconds", ())] == pytest.approx(lag) and lag > 0
    failing = db.scalar(select(func.count()).where(Feed.consecutive_errors > 0))
    assert after[("newsmon_feeds_failing", ())] == failing == 1
    assert after[("newsmon_versions_stored", ())] == db.scalar(select(func.count(Version.id))) == 4
    assert after[("newsmon_crawlers_alive", ())] == 1
    assert after[("newsmon_database_up", ())] == 1


def test_process_metrics_is_one_object_built_on_first_use():
    assert process_metrics() is process_metrics()
    own = CrawlMetrics()  # its own registry: counting here leaves the process's alone
    own.check("changed")
    own.fetch(0.2)
    own.extraction(0.01)
    assert own.registry.get_sample_value("newsmon_checks_total", {"outcome": "changed"}) == 1
    assert own.registry.get_sample_value("newsmon_fetch_seconds_bucket", {"le": "0.25"}) == 1


def test_healthz_is_200_while_healthy_and_503_when_crawlers_or_the_database_are_gone(
    client, config, clock, request
):
    never = client.get("/healthz")
    assert never.status_code == 200 and never.json()["crawlers_alive"] == 0
    assert "no crawler is running" in never.json()["note"]
    beat(config, pid=7, seen=clock.now())
    healthy = client.get("/healthz")
    assert healthy.status_code == 200
    assert healthy.json() == {
        "status": "ok",
        "database": "ok",
        "crawlers_alive": 1,
        "schedule_lag_seconds": 0.0,
        "due_backlog": 0,
    }
    clock.advance(minutes=4)
    dead = client.get("/healthz")
    assert dead.status_code == 503
    assert "no crawler has reported in the last 3 minutes" in dead.json()["problem"]
    clock.advance(minutes=-4)

    if config.database_url.startswith("sqlite"):
        sqlite_file_spoiled_then_gone(client, config.database_url.removeprefix("sqlite:///"))
    else:
        postgresql_database_gone(client, config.database_url, request)


def sqlite_file_spoiled_then_gone(client: httpx.Client, path: str) -> None:
    with open(path, "r+b") as f:  # same file, no longer a database
        f.write(b"this is not a database" * 10)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    unreadable = client.get("/healthz")
    assert unreadable.status_code == 503
    assert unreadable.json()["database"] == "unreachable"
    assert unreadable.json()["problem"] == f"database file {path} is not a SQLite database"
    assert scrape(client)[("newsmon_database_up", ())] == 0
    os.remove(path)
    gone = client.get("/healthz")
    assert gone.status_code == 503
    assert gone.json()["problem"] == f"database file {path} is missing"


def postgresql_database_gone(client: httpx.Client, url: str, request) -> None:
    import psycopg

    cluster = request.getfixturevalue("pg_cluster")
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(cluster.url().replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        admin.execute(f'ALTER DATABASE "{name}" RENAME TO "{name}_gone"')
    gone = client.get("/healthz")
    assert gone.status_code == 503
    assert gone.json()["database"] == "unreachable"
    assert f'database "{name}" does not exist' in gone.json()["problem"]
    assert scrape(client)[("newsmon_database_up", ())] == 0

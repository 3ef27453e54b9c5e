"""The process's one owner of resources: what a command opened is closed at its exit,
newest first, in a real `newsmon` process."""

from __future__ import annotations

import re

from newsmon.core.runtime import Runtime
from tests.cli_helpers import cli_env, newsmon
from tests.newssite import story


def closed(stderr: str) -> list[str]:
    """What the process said it closed, in order, without the database's address."""
    found = re.findall(r"DEBUG newsmon\.core\.runtime: closed (.+)", stderr)
    return [re.sub(r" sqlite:.*", "", name) for name in found]


def test_a_crawl_closes_pools_writer_reactor_and_engine_newest_first(site, tmp_path):
    site.publish(story("harbour-dredging"))
    env = cli_env(tmp_path, NEWSMON_LOG_LEVEL="DEBUG")
    done = newsmon(tmp_path, "sources", "add", "gazette", site.url("/feeds/rss.xml"), env=env)
    assert done.returncode == 0, done.stderr
    done = newsmon(tmp_path, "crawl", env=env)
    assert done.returncode == 0 and "first captured 1" in done.stdout, done.stderr
    assert closed(done.stderr) == [
        "extraction worker pools",
        "database writer (crawl)",
        "reactor",
        "database engine",
    ]


def test_a_resource_that_fails_to_close_leaves_none_of_the_others_open(caplog):
    runtime = Runtime()
    shut: list[str] = []
    runtime.hold("engine", lambda: shut.append("engine"))
    runtime.hold("reactor", lambda: 1 / 0)
    runtime.hold("pools", lambda: shut.append("pools"))
    runtime.hold("engine", lambda: shut.append("engine again"))  # held already: kept first
    with runtime:
        pass
    assert shut == ["pools", "engine"] and runtime.held() == []
    assert "could not close reactor" in caplog.text

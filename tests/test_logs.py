"""Logs for a collector: with log_format = json every stderr line is one JSON object."""

from __future__ import annotations

import json

from tests.cli_helpers import cli_env, newsmon
from tests.newssite import story


def test_json_logs_parse_line_by_line_and_carry_the_url(site, tmp_path):
    site.publish(story("tram-strike"))
    missing = site.url("/feeds/no-such-feed.xml")
    env = cli_env(tmp_path, NEWSMON_LOG_FORMAT="json", NEWSMON_LOG_LEVEL="INFO")
    added = newsmon(tmp_path, "sources", "add", "gazette", site.url("/feeds/rss.xml"), missing)
    assert added.returncode == 0, added.stderr
    done = newsmon(tmp_path, "crawl", env=env)
    assert done.returncode == 0, done.stderr

    lines = done.stderr.splitlines()
    assert lines
    records = [json.loads(line) for line in lines]  # every line, not just most
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r.get("url") == missing and r["level"] == "WARNING" for r in records), records

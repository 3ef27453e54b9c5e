"""The web's pure decisions: link bases, UTC reading, Allow, plain errors, health verdicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from newsmon.config.settings import Config
from newsmon.crawl.metrics import ScheduleState
from newsmon.web.apidocs import endpoints
from newsmon.web.edges import allow_with_head, as_utc, fits_database, public_base
from newsmon.web.errors import plain_problem
from newsmon.web.health import verdict
from newsmon.web.present import changes_sentence, version_range

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_public_base_is_the_setting_else_the_bind_address():
    assert public_base(Config(public_url="https://news.example.org/")) == (
        "https://news.example.org"
    )
    assert public_base(Config(web_host="0.0.0.0", web_port=8123)) == "http://0.0.0.0:8123"
    assert public_base(Config(web_host="::1", web_port=80)) == "http://[::1]:80"


def test_times_are_read_as_utc_and_ids_fit_the_database():
    assert as_utc(datetime(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=UTC)
    plus_two = datetime(2026, 1, 1, 2, tzinfo=timezone(timedelta(hours=2)))
    assert as_utc(plus_two) == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="outside the range"):
        as_utc(datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-14))))
    assert fits_database(0) and fits_database(2**31 - 1)  # INTEGER on PostgreSQL
    assert not fits_database(2**31) and not fits_database(-1)


def test_allow_names_head_beside_get():
    assert allow_with_head("GET") == "GET, HEAD"
    assert allow_with_head("GET, HEAD") == "GET, HEAD"
    assert allow_with_head("POST") == "POST"


def test_plain_problems_never_repeat_the_validator():
    page = {"loc": ("query", "page"), "msg": "Input should be a valid integer", "input": "abc"}
    assert plain_problem(page).startswith("The page number must be a whole number")
    odd = {"loc": ("query", "colour"), "msg": "String should", "input": "<b>"}
    assert plain_problem(odd) == "“<b>” is not a value colour can take."
    assert plain_problem({"loc": ("path", "article_id"), "type": "missing"}) == (
        "Please give a value for article_id."
    )


def test_version_counts_in_words():
    assert changes_sentence(0) == "The article has not changed since newsmon first saw it."
    assert changes_sentence(1) == "The article has changed 1 time."
    assert version_range(0) == "it has no version yet"
    assert version_range(1) == "it has only version 0"
    assert version_range(3) == "it has versions 0 to 2"


def state(**changes) -> ScheduleState:
    values = dict(
        due_backlog=0,
        schedule_lag_seconds=0.0,
        feeds_failing=0,
        versions_stored=0,
        crawlers_alive=1,
        crawlers_known=1,
        last_heartbeat=NOW,
    )
    return ScheduleState(**{**values, **changes})


def test_health_verdicts():
    assert verdict(state(), None, NOW)[0] == 200
    status, body = verdict(state(schedule_lag_seconds=86400.0, due_backlog=9), None, NOW)
    assert status == 200 and body["schedule_lag_seconds"] == 86400.0  # late is not down
    status, body = verdict(
        state(crawlers_alive=0, crawlers_known=3, last_heartbeat=NOW - timedelta(hours=2)),
        None,
        NOW,
    )
    assert status == 503 and body["problem"].endswith("(last one about 2 hours ago)")
    status, body = verdict(state(crawlers_alive=0, crawlers_known=0), None, NOW)
    assert status == 200 and body["note"].startswith("no crawler is running")
    status, body = verdict(None, "database file x.db is missing", NOW)
    assert status == 503 and body == {
        "status": "down",
        "database": "unreachable",
        "problem": "database file x.db is missing",
    }


def test_api_page_lists_each_operation_with_an_example():
    spec = {
        "paths": {
            "/api/articles/{article_id}/versions/{number}": {
                "get": {
                    "summary": "Get Version",
                    "parameters": [
                        {"name": "article_id", "in": "path", "required": True, "schema": {}},
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        }
    }
    [endpoint] = endpoints(spec)
    assert endpoint.example == "/api/articles/1/versions/0"
    assert endpoint.params[0].name == "article_id" and endpoint.statuses == ["200 ok"]

"""The recheck policy as a pure function: the table, the freeze, the backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsmon.config.settings import Config, ConfigError
from newsmon.record.policy import FeedPolicy, RecheckPolicy, expected_checks

T0 = datetime(2026, 1, 1, tzinfo=UTC)
H, D, M = timedelta(hours=1), timedelta(days=1), timedelta(minutes=1)


@pytest.mark.parametrize(
    ("quiet", "every"),
    [
        (0 * H, 15 * M),
        (2 * H + 59 * M, 15 * M),
        (3 * H, H),
        (23 * H, H),
        (D, 3 * H),
        (6 * D, 3 * H),
        (7 * D, D),
        (39 * D, D),
    ],
)
def test_interval_follows_the_table(quiet, every):
    assert RecheckPolicy().interval(quiet) == every


def test_freeze_at_forty_days_exactly():
    policy = RecheckPolicy()
    assert policy.interval(40 * D) is None
    assert not policy.should_freeze(quiet_since=T0, now=T0 + 40 * D - M)
    assert policy.should_freeze(quiet_since=T0, now=T0 + 40 * D)


def test_next_check_never_passes_the_freeze_moment():
    policy = RecheckPolicy()
    now = T0 + 39 * D + 20 * H
    assert policy.next_check(quiet_since=T0, now=now) == T0 + 40 * D
    assert policy.next_check(quiet_since=T0, now=T0 + 41 * D) is None


def test_an_article_that_never_changes_gets_about_115_checks():
    assert expected_checks(RecheckPolicy()) == 114


def test_error_backoff_doubles_and_is_capped():
    policy = RecheckPolicy()
    delays = [policy.error_backoff(n) for n in range(1, 10)]
    assert delays[:4] == [15 * M, 30 * M, 60 * M, 120 * M]
    assert max(delays) == D
    after = policy.next_check_after_error(quiet_since=T0, now=T0 + H, consecutive_errors=3)
    assert after == T0 + H + 60 * M


def test_feed_backoff():
    policy = FeedPolicy()
    assert policy.next_poll(now=T0, consecutive_errors=0) == T0 + 5 * M
    assert policy.next_poll(now=T0, consecutive_errors=2) == T0 + 20 * M
    assert policy.next_poll(now=T0, consecutive_errors=30) == T0 + 6 * H


def test_schedule_is_configurable():
    config = Config.load(
        env={
            "NEWSMON_RECHECK_SCHEDULE": '[["1h", "5m"], ["10d", "2h"]]',
            "NEWSMON_FREEZE_AFTER_DAYS": "10",
        }
    )
    policy = config.recheck_policy()
    assert policy.interval(30 * M) == 5 * M
    assert policy.interval(5 * D) == 2 * H
    assert policy.interval(10 * D) is None


def test_bad_schedule_is_a_clear_error():
    with pytest.raises(ConfigError, match="not a duration"):
        Config.load(env={"NEWSMON_RECHECK_SCHEDULE": '[["soon", "5m"]]'})


def test_a_sources_floor_holds_under_every_interval_but_never_shortens_one():
    policy = RecheckPolicy().floored(2 * H)
    assert policy.next_check(quiet_since=T0, now=T0) == T0 + 2 * H  # 15 minutes alone
    assert policy.interval(3 * D) == 3 * H  # a longer step stays as it is
    assert policy.interval(40 * D) is None  # frozen is frozen
    assert RecheckPolicy().floored(None) == RecheckPolicy()
    feeds = FeedPolicy().floored(H)
    assert feeds.next_poll(now=T0, consecutive_errors=0) == T0 + H
    assert FeedPolicy().floored(M).next_poll(now=T0, consecutive_errors=0) == T0 + 5 * M

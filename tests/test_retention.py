"""The thinning rule, pure: which raw pages of a live page are kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsmon.record.retention import LIVE_RULE, PageFacts, RetentionRule, kept, to_thin

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def every_quarter_hour(n: int, words: int = 10) -> list[PageFacts]:
    return [PageFacts(100 + i, i, START + timedelta(minutes=15 * i), words) for i in range(n)]


def test_first_latest_and_each_hours_first_and_last_are_kept():
    versions = every_quarter_hour(10)  # 09:00 .. 11:15, numbers 0..9
    keep = {
        v.number for v in versions if v.version_id in kept(versions, rule=RetentionRule(), latest=9)
    }
    # 09:00 hour: 0..3, 10:00 hour: 4..7, 11:00 hour: 8..9
    assert keep == {0, 3, 4, 7, 8, 9}
    assert to_thin(versions, rule=RetentionRule(), latest=9) == [101, 102, 105, 106]


def test_a_large_change_keeps_its_raw_page():
    versions = every_quarter_hour(4)
    versions[1] = PageFacts(101, 1, versions[1].captured_at, 250)
    assert to_thin(versions, rule=RetentionRule(large_change_words=200), latest=3) == [102]


def test_the_latest_version_is_kept_even_when_only_older_ones_are_given():
    versions = every_quarter_hour(3)
    assert 102 in kept(versions, rule=RetentionRule(), latest=2)
    assert to_thin(versions[:2], rule=RetentionRule(), latest=5) == []


def test_the_rule_says_what_it_kept():
    said = RetentionRule(live_versions=12, large_change_words=200).describe(LIVE_RULE)
    assert said.startswith("live-page: more than 12 versions a day")
    assert len(said) <= 200

"""Which entries of a huge feed a poll stores, and in what pieces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsmon.discover.feeds import FeedEntry
from newsmon.pipelines.discover import chunks, newest_entries

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_poll_keeps_the_newest_entries_and_counts_the_rest():
    dated = [
        FeedEntry(f"http://x.example/{i}", published_at=T0 + timedelta(hours=i)) for i in range(5)
    ]
    undated = [FeedEntry("http://x.example/u1"), FeedEntry("http://x.example/u2")]
    kept, left_out = newest_entries(
        [dated[1], undated[0], *dated[3:], undated[1], dated[0], dated[2]], 4
    )
    assert [e.url for e in kept] == [f"http://x.example/{i}" for i in (4, 3, 2, 1)]
    assert left_out == 3
    kept, left_out = newest_entries(undated, 10)  # undated: the feed's own order
    assert kept == undated and left_out == 0


def test_entries_are_written_in_chunks():
    entries = [FeedEntry(f"http://x.example/{i}") for i in range(450)]
    assert [len(c) for c in chunks(entries)] == [200, 200, 50]

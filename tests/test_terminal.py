"""Terminal safety: web text printed by the CLI carries no escape sequences or controls."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from newsmon.core.terminal import safe, safe_json
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Article, Feed, Source
from tests.cli_helpers import cli_env, newsmon

HOSTILE = "Minister resigns\x1b]0;pwned\x07\x1b[2J\x9b31m\x1bc\u202egnp.exe"


def test_safe_removes_sequences_and_controls_but_keeps_text():
    assert safe(HOSTILE) == "Minister resignsgnp.exe"
    assert safe("Zürich – 東京\ttab") == "Zürich – 東京 tab"
    assert safe("two\nlines") == "two lines"
    assert safe("two\nlines", multiline=True) == "two\nlines"
    assert json.loads(safe_json({"t": HOSTILE})) == {"t": HOSTILE}  # escaped, not lost
    assert not any(c in safe_json({"t": HOSTILE}) for c in "\x1b\x07\x9b\u202e")


def store_hostile_rows(url: str) -> None:
    """Rows as an older build stored them, before text was cleaned at the boundary."""
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with transaction(ensure_schema(url)) as session:
        source = Source(slug="bugle", name=f"Daily {HOSTILE}", enabled=True, created_at=now)
        session.add(source)
        session.flush()
        session.add(
            Feed(
                source_id=source.id,
                url="https://bugle.example/feed\x1b[2J",
                next_poll_at=now,
                consecutive_errors=1,
                entries_seen=0,
                last_error=f"HTTP 500 {HOSTILE}",
            )
        )
        session.add(
            Article(
                source_id=source.id,
                url="https://bugle.example/story\x07",
                title=HOSTILE,
                first_seen_at=now,
                quiet_since=now,
                status="active",
                version_count=0,
            )
        )


def test_articles_and_sources_list_print_no_escape_bytes(tmp_path):
    env = cli_env(tmp_path)
    store_hostile_rows(env["NEWSMON_DATABASE_URL"])
    for args in (("articles",), ("sources", "list"), ("articles", "--json")):
        done = newsmon(tmp_path, *args, env=env)
        assert done.returncode == 0, done.stderr
        assert "Minister resigns" in done.stdout
        for byte in ("\x1b", "\x07", "\x9b", "\u202e"):
            assert byte not in done.stdout, (args, byte)

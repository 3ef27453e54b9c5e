"""The article page's sentences and distances: never an empty field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from markupsafe import Markup

from newsmon.record.policy import RecheckPolicy
from newsmon.web.present import later, spans_html, state_sentence, summary_html, xml_safe

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def test_distances_read_like_the_exemplar():
    assert later(NOW, NOW + timedelta(hours=4, minutes=5)) == "about 4 hours later"
    assert later(NOW, NOW + timedelta(minutes=1)) == "about 1 minute later"
    assert later(NOW, NOW + timedelta(days=3)) == "3 days later"


def test_state_sentences():
    policy = RecheckPolicy()
    frozen = state_sentence(
        status="frozen", quiet_since=NOW - timedelta(days=52), now=NOW, policy=policy
    )
    assert frozen == (
        "It last changed 52 days ago, over 40 days without a change, "
        "and won't be checked again for changes."
    )
    gone = state_sentence(
        status="gone", quiet_since=NOW, now=NOW, policy=policy, gone_at=NOW, last_status=404
    )
    assert gone == "This article has gone: the site answered 404 on 2026-05-01 12:00 UTC."
    active = state_sentence(
        status="active", quiet_since=NOW - timedelta(hours=5), now=NOW, policy=policy
    )
    assert active == "It last changed about 5 hours ago; it is checked every 1 hour."


def test_spans_are_escaped_and_marked():
    html = spans_html([["equal", "a <b>"], ["insert", "<script>"], ["delete", "&"]])
    assert isinstance(html, Markup)
    assert str(html) == "a &lt;b&gt;<ins>&lt;script&gt;</ins><del>&amp;</del>"


def test_feed_summaries_drop_characters_xml_forbids():
    html = summary_html([{"kind": "changed", "spans": [["insert", "bad\x00\x0bchars"]]}])
    assert html == '<p dir="auto"><ins>badchars</ins></p>'
    assert xml_safe("ok\x1f") == "ok"

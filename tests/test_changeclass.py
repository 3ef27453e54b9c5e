"""Change classes: computed at capture, shown, and filtering the feeds of changes."""

from __future__ import annotations

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from newsmon.record.changeclass import change_runs, classify
from newsmon.record.diff import diff_texts
from newsmon.web.app import create_app
from tests.search_corpus import build

BODY = "Officials said on Monday that the bridge would close.\nIt will reopen in June."


@pytest.mark.parametrize(
    ("new_title", "new_text", "expected"),
    [
        ("Bridge to close", BODY.replace("close.", "close!"), "minor"),  # punctuation
        ("Bridge to close", BODY.replace(" that", "  that").replace("\n", "\n\n"), "minor"),
        ("Bridge To Close", BODY.replace("Monday", "monday"), "minor"),  # letter case
        ("Bridge to close", BODY.replace("said", "said:").replace("June.", "June —"), "minor"),
        ("Bridge to close", BODY.replace("Officials", "“Officials”"), "minor"),  # quote style
        ("Bridge to close for a year", BODY, "headline"),
        ("Bridge to close for a year", BODY.replace("June", "July"), "headline"),
        ("Bridge to close", BODY.replace("It will reopen in June.", "No date is set."), "edit"),
        ("Bridge to close", BODY.replace("would", "will"), "edit"),
    ],
)
def test_classes(new_title, new_text, expected):
    got = classify(
        old_title="Bridge to close", old_text=BODY, new_title=new_title, new_text=new_text
    )
    assert got == expected


def test_runs_keep_separate_removals_apart_and_skip_punctuation():
    long = " The council will meet again on Thursday to discuss the matter."
    diff = diff_texts(
        "A title",
        f"We met according to plan.{long}\nPolice came to the hall.{long}",
        "A title!",
        f"We met as planned.{long}\nOfficers came to the hall!{long}",
    )
    removed, added = change_runs(diff)
    assert removed.splitlines() == ["according to plan", "Police"]
    assert added.splitlines() == ["as planned", "Officers"]


def titles(client: TestClient, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return [e.title for e in parsed.entries]


def test_feeds_skip_minor_changes_and_filter_by_class_source_and_query(
    site, crawler, add_feed, clock, db, config
):
    build(site, crawler, add_feed, clock, db)
    client = TestClient(create_app(config, clock))
    harbour_minor = "‘Harbour fire: arson suspected, say investigators’ changed (version 3)"
    harbour_headline = "‘Harbour fire: arson suspected, say investigators’ changed (version 2)"

    default = titles(client, "/feeds/changes.atom")
    assert harbour_minor not in default and harbour_headline in default
    assert len(default) == 5  # harbour 1-2, talks 1-2, bridge 1
    assert harbour_minor in titles(client, "/feeds/changes.rss?include=minor")
    assert titles(client, "/feeds/changes.rss?class=headline") == [harbour_headline]
    assert titles(client, "/feeds/changes.rss?class=headline&q=ceasefire") == []
    assert titles(client, "/sources/gazette/changes.atom?class=headline&q=harbour") == [
        harbour_headline
    ]
    assert titles(client, "/feeds/changes.rss?source=herald") == [
        "‘Bridge closed over safety fears’ changed (version 1)"
    ]
    assert sorted(titles(client, "/feeds/changes.rss?q=removed:police+source:gazette")) == [
        "‘Ceasefire talks stall in Geneva’ changed (version 1)",
        "‘Harbour fire: crews battle blaze’ changed (version 1)",
    ]
    entry = feedparser.parse(client.get("/feeds/changes.atom?class=headline").content).entries[0]
    assert entry.tags[0].term == "headline"
    assert client.get("/feeds/changes.rss?class=huge").status_code == 400
    assert client.get("/feeds/changes.rss?q=-only").status_code == 400
    # A filtered feed is another document: its ETag differs from the unfiltered one.
    assert (
        client.get("/feeds/changes.rss").headers["etag"]
        != client.get("/feeds/changes.rss?class=edit").headers["etag"]
    )


@pytest.mark.sqlite_only  # no database behaviour beyond the other tests'
def test_pages_show_the_class(site, crawler, add_feed, clock, db, config):
    corpus = build(site, crawler, add_feed, clock, db)
    client = TestClient(create_app(config, clock))
    page = client.get(f"/articles/{corpus.harbour}").text
    assert "headline change" in page and "minor change" in page and "edit" in page
    assert "Class: headline change" in client.get(f"/articles/{corpus.harbour}/diff/1/2").text


def test_gone_back_and_frozen_are_entries_in_feeds_and_lines_on_the_page(
    site, crawler, add_feed, clock, db, config
):
    from tests.newssite import story

    site.publish(story("pier-repairs"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    site.fault("pier-repairs", "410")
    for _ in range(3):  # three 410s in a row: gone
        clock.advance(hours=1)
        crawler.once(everything=True)
    site.fault("pier-repairs", None)
    clock.advance(days=1)
    crawler.once()  # gone articles are still rechecked: it is back
    clock.advance(days=41)
    crawler.service.freeze()

    client = TestClient(create_app(config, clock))
    entries = titles(client, "/feeds/changes.atom")
    name = "‘Council reviews pier repairs cases’"
    assert entries == [
        f"{name} no change for a long time; no longer checked (frozen)",
        f"{name} is back on its site",
        f"{name} went missing from its site (HTTP 410)",
    ]
    article_id = db.execute(text("select id from articles")).scalar_one()
    assert titles(client, f"/articles/{article_id}/changes.rss") == entries
    assert titles(client, "/feeds/changes.rss?class=edit") == []  # events carry no text
    page = client.get(f"/articles/{article_id}").text
    assert "went missing from its site (HTTP 410)" in page and "is back on its site" in page

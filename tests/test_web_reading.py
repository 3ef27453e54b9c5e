"""Reading on the web: any version whole, the page as captured, the reader's time zone,
and the page fixes of issue 21 that a test without a browser can see."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from newsmon.extract.page import CLEANUP_REVISION
from newsmon.record.retention import LIVE_RULE, RetentionRule
from newsmon.record.thinning import thin_article
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Article, Version
from newsmon.web.app import create_app
from tests.newssite import story
from tests.test_web import text_of as markup_text
from tests.web_fixtures import fill

README = Path(__file__).resolve().parents[1] / "README.md"


def text_of(page: str) -> str:
    return html.unescape(markup_text(page))


@pytest.fixture
def filled(site, crawler, add_feed, clock, config, db):
    """A client of the app over three crawled stories; `.ids` maps story slug to id."""
    fill(site, crawler, add_feed, clock)
    client = TestClient(create_app(config, clock))
    client.ids = {a.url.rsplit("/", 1)[1]: a.id for a in db.scalars(select(Article))}  # type: ignore[attr-defined]
    return client


def test_a_version_page_gives_its_whole_text_hashes_and_the_diffs_either_side(filled, site, db):
    river = filled.ids["river-pollution"]
    page = filled.get(f"/articles/{river}/versions/1")
    assert page.status_code == 200
    text = text_of(page.text)
    story_now = site.stories["river-pollution"]
    assert "now admits it dumped sewage" in text  # the paragraph edited at version 1
    for paragraph in story_now.paragraphs[2:]:  # and the paragraphs that never changed
        assert paragraph in text
    assert "Jane Reporter" in text and "Version 1 of 3" in text
    version = next(v for v in db.get(Article, river).versions if v.number == 1)
    assert version.content_hash in text and version.record_hash in text
    assert f'href="/articles/{river}/diff/0/1"' in page.text
    assert f'href="/articles/{river}/diff/1/2"' in page.text
    assert f'href="/articles/{river}/versions/1/captured"' in page.text
    missing = filled.get(f"/articles/{river}/versions/3")
    assert missing.status_code == 404
    assert "has no version 3 (it has versions 0 to 2)." in text_of(missing.text)


def test_the_page_as_captured_is_served_sandboxed_and_a_thinned_one_says_so(
    filled, site, crawler, config, clock, db
):
    river = filled.ids["river-pollution"]
    raw = filled.get(f"/articles/{river}/versions/0/captured")
    assert raw.status_code == 200 and raw.headers["content-type"] == "text/html; charset=utf-8"
    csp = raw.headers["content-security-policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp and "script-src" not in csp
    assert "Loopback Gazette" in raw.text and "Subscribe today" in raw.text  # the whole page
    for n in (3, 4, 5):  # three edits in one hour: the middle one's page may be thinned
        clock.advance(minutes=15)
        site.edit("river-pollution", paragraph=(2, f"Paragraph 3, revision {n}, of the report."))
        assert crawler.once(everything=True).articles_changed == 1
    with transaction(ensure_schema(config.database_url)) as session:
        thinned = thin_article(
            session,
            river,
            rule=RetentionRule(live_versions=1, large_change_words=10**6),
            name=LIVE_RULE,
            now=clock.now(),
        )
    assert thinned >= 1
    db.expire_all()
    n = db.scalars(
        select(Version.number).where(
            Version.article_id == river, Version.raw_thinned_at.is_not(None)
        )
    ).first()
    gone = filled.get(f"/articles/{river}/versions/{n}/captured")
    assert gone.status_code == 404
    said = text_of(gone.text)
    assert "The page as captured was thinned on" in said and "the version's text is kept" in said
    page = text_of(filled.get(f"/articles/{river}/versions/{n}").text)
    assert "thinned on" in page and "view as captured" not in page
    assert f"Version {n} of 6" in page and "Paragraph 4 of the river-pollution" in page


@pytest.mark.sqlite_only
def test_the_article_page_shows_the_current_text_and_a_quiet_article_never_changed(filled):
    quiet = filled.ids["quiet-council"]
    text = text_of(filled.get(f"/articles/{quiet}").text)
    assert "It last changed" not in text
    assert "It was first captured" in text
    assert "The article has not changed since newsmon first saw it." in text
    assert "The text as last captured" in text
    assert "Paragraph 3 of the quiet-council report" in text
    river = text_of(filled.get(f"/articles/{filled.ids['river-pollution']}").text)
    assert "It last changed" in river and "now admits it dumped sewage" in river


@pytest.mark.sqlite_only
def test_a_gone_article_does_not_send_readers_to_find_it_at_its_source(
    site, crawler, add_feed, clock, config
):
    site.publish(story("pier-repairs"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    site.fault("pier-repairs", "410")
    for _ in range(3):  # three 410s in a row: gone
        clock.advance(hours=1)
        crawler.once(everything=True)
    text = text_of(TestClient(create_app(config, clock)).get("/articles/1").text)
    assert "This article has gone: the site answered 410" in text
    assert "You can find the current article" not in text
    assert "the site no longer serves it" in text


@pytest.mark.sqlite_only
def test_times_show_in_the_zone_a_reader_or_the_setting_chooses_and_the_api_stays_utc(
    filled, config, clock
):
    river = filled.ids["river-pollution"]
    utc = text_of(filled.get(f"/articles/{river}/versions/0").text)
    stamp = re.search(r"captured (\d{4}-\d\d-\d\d) (\d\d):(\d\d) UTC", utc)
    assert stamp, utc
    paris = filled.get(f"/articles/{river}/versions/0?tz=Europe/Paris")
    hour = (int(stamp[2]) + 1) % 24  # January: Paris is UTC+1
    assert f"{hour:02d}:{stamp[3]} CET" in text_of(paris.text)
    assert "Times are shown in Europe/Paris" in text_of(paris.text)
    # the choice is remembered for the next page, and the API keeps to UTC
    assert " CET" in text_of(filled.get(f"/articles/{river}").text)
    api = filled.get(f"/api/articles/{river}/versions/0").json()
    assert api["captured_at"].endswith(("Z", "+00:00"))
    bad = filled.get("/?tz=Mars/Olympus")
    assert bad.status_code == 400
    assert "“Mars/Olympus” is not a time zone name such as Europe/Paris" in text_of(bad.text)
    tokyo = TestClient(
        create_app(config.model_copy(update={"display_timezone": "Asia/Tokyo"}), clock)
    )
    assert " JST" in text_of(tokyo.get(f"/articles/{river}/versions/0").text)


@pytest.mark.sqlite_only
def test_a_failing_feed_is_marked_and_says_when_it_is_tried_next(
    site, crawler, add_feed, clock, config
):
    site.publish(story("fresh"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    add_feed("wire", site.url("/feeds/broken.xml"))
    site.feed_faults["/feeds/broken.xml"] = "500"
    crawler.feeds()
    client = TestClient(create_app(config, clock))
    for path in ("/sources", "/sources/wire"):
        page = client.get(path).text
        failing = re.findall(r'<div class="feed warn failing">(.*?)</div>', page, flags=re.S)
        assert len(failing) == 1, page
        assert "next try " in text_of(failing[0]) and "1 time in a row" in text_of(failing[0])
    healthy = client.get("/sources/gazette").text
    assert "warn" not in re.sub(r"<style>.*?</style>", "", healthy, flags=re.S)


@pytest.mark.sqlite_only
def test_api_docs_render_markdown_and_summaries_say_what_comes_back(config, clock):
    page = TestClient(create_app(config, clock)).get("/api/docs").text
    main = page.split("<main>", 1)[1]
    assert "`" not in html.unescape(main)  # no raw Markdown backticks
    assert "<code>next_cursor</code>" in main
    for named_after_function in ("Get Article", "List Sources", "Api Search", "Get Diff"):
        assert named_after_function not in main
    assert "One version with its full text" in main


@pytest.mark.sqlite_only
def test_a_favicon_is_linked_and_served_and_the_readme_names_the_extractor_written(config, clock):
    client = TestClient(create_app(config, clock))
    assert '<link rel="icon" href="/favicon.svg"' in client.get("/").text
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert icon.text.startswith("<svg")
    tags = set(re.findall(r"\+newsmon\.(\d+)\+", README.read_text("utf-8")))
    assert tags == {str(CLEANUP_REVISION)}

"""Nothing hidden from extraction, and extraction bounded (issue 17, items 4 and 5).

Text nested hundreds of elements deep is read like any other text; a page whose
extraction runs past its budget fails its own check, naming the limit, while other
pages go on being extracted, and the stuck worker is replaced.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from newsmon.config.settings import Config
from newsmon.crawl.workers import Budget, ExtractionLimit, extract_off_loop
from newsmon.extract.page import extract
from newsmon.extract.rules import ExtractRules
from newsmon.storage.models import Article, Check, Version
from tests.newssite import story

DEEP = 300  # past libxml2's default depth limit of about 255 elements


@pytest.fixture
def config(config: Config) -> Config:
    """One extraction worker, so a stuck page would stop all extraction, and a 2 s budget."""
    return config.with_(extract_workers=1, extract_timeout=2)


def stored(db, slug: str) -> tuple[Article, list[Version], list[Check]]:
    db.expire_all()
    article = db.scalar(select(Article).where(Article.url.endswith(f"/news/{slug}")))
    assert article is not None, slug
    versions = db.scalars(
        select(Version).where(Version.article_id == article.id).order_by(Version.number)
    )
    checks = db.scalars(select(Check).where(Check.article_id == article.id).order_by(Check.id))
    return article, list(versions), list(checks)


def deep_page(paragraph: str) -> str:
    return (
        "<html><head><title>Deep</title></head><body><article><h1>Deep story</h1>"
        "<p>A shallow paragraph that every reader sees at the top of this story.</p>"
        "<p>A second shallow paragraph that every reader sees before the deep one.</p>"
        + "<div>" * DEEP
        + f'<p class="deep">{paragraph}</p>'
        + "</div>" * DEEP
        + "</article></body></html>"
    )


@pytest.mark.sqlite_only
def test_text_inside_300_divs_is_extracted_generically_and_by_a_rule():
    said = "The deep paragraph, inside three hundred divs, that browsers show."
    assert said in extract(deep_page(said), None).text.splitlines()
    rules = ExtractRules(body_selector="p.deep")
    assert extract(deep_page(said), None, rules=rules).text == said


def test_a_paragraph_inside_300_divs_is_stored_and_its_edit_makes_a_version(
    site, crawler, add_feed, clock, db
):
    told = site.publish(story("deep-dive", n=3, nest_last=DEEP))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    _, versions, _ = stored(db, "deep-dive")
    assert [v.number for v in versions] == [0]
    assert versions[0].text.splitlines()[-1] == told.paragraphs[2]

    site.edit("deep-dive", paragraph=(2, "The council now admits it reviewed 40 deep cases."))
    clock.advance(minutes=20)
    assert crawler.once().articles_changed == 1
    _, versions, _ = stored(db, "deep-dive")
    assert [v.number for v in versions] == [0, 1]
    assert "40 deep cases" in versions[1].text and "40 deep cases" not in versions[0].text


def test_a_page_past_the_time_budget_fails_its_check_while_other_pages_are_versioned(
    site, crawler, add_feed, clock, db
):
    # 80,000 paragraphs: extraction is quadratic in them (far past 2 s, tens of seconds)
    endless = "<p>x</p>" * 80_000
    site.publish(
        story(
            "endless-list",
            page_html=f"<html><head><title>Endless</title></head><body><article>{endless}"
            "</article></body></html>",
        )
    )
    site.publish(story("harbour-news"))
    add_feed("hostile", site.url_as("localhost", "/feeds/rss.xml?slugs=endless-list"))
    add_feed("gazette", site.url("/feeds/rss.xml?slugs=harbour-news"))
    crawler.once()

    slow, slow_versions, slow_checks = stored(db, "endless-list")
    assert slow_versions == []
    assert [(c.outcome, c.detail) for c in slow_checks] == [
        ("error", "extraction took longer than 2 s")
    ]
    assert slow.consecutive_errors == 1 and slow.next_check_at > clock.now()  # backed off
    _, versions, _ = stored(db, "harbour-news")
    assert [v.number for v in versions] == [0]
    assert site.stories["harbour-news"].paragraphs[0] in versions[0].text

    # the only worker was killed for its overrun: a new one extracts the next edit
    site.edit("harbour-news", paragraph=(0, "The harbour reopens on Monday, the port said."))
    clock.advance(minutes=20)
    crawler.once()
    _, versions, _ = stored(db, "harbour-news")
    assert [v.number for v in versions] == [0, 1]
    assert "reopens on Monday" in versions[1].text


@pytest.mark.sqlite_only
def test_a_page_past_the_memory_budget_fails_naming_it_and_the_worker_is_replaced():
    budget = Budget(workers=1, seconds=120, memory_mb=400)
    huge = "<html><body><article>" + "word<br>" * 900_000 + "</article></body></html>"
    with pytest.raises(ExtractionLimit, match=r"^extraction needed more than 400 MB of memory$"):
        asyncio.run(extract_off_loop(huge.encode(), None, budget=budget, encoding="utf-8"))
    said = "The next page is read by a fresh worker, within the same budget."
    got = asyncio.run(extract_off_loop(deep_page(said), None, budget=budget))
    assert said in got.text.splitlines()

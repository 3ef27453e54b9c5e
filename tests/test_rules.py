"""Per-source extraction rules: selectors set by command or config, applied in crawls."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from newsmon.extract.page import extract
from newsmon.extract.rules import ExtractRules, RuleMiss
from newsmon.sources.fromconfig import SourceTable, apply_source_tables
from newsmon.sources.registry import SourceChanges, SourceError, apply_changes, source_by_slug
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Article, Check, Source, Version
from tests.cli_helpers import newsmon, one_error_line
from tests.newssite import NewsSite, story


def set_rules(config, slug: str, **changes) -> list[str]:
    with transaction(ensure_schema(config.database_url)) as session:
        return apply_changes(source_by_slug(session, slug), SourceChanges(**changes))


def stored(db, slug_part: str) -> tuple[list[Version], list[Check]]:
    db.expire_all()
    article = db.scalar(select(Article).where(Article.url.contains(slug_part)))
    versions = db.scalars(select(Version).where(Version.article_id == article.id))
    checks = db.scalars(select(Check).where(Check.article_id == article.id).order_by(Check.id))
    return sorted(versions, key=lambda v: v.number), list(checks)


def page(slug: str = "tram-line") -> tuple[bytes, list[str]]:
    """A page of the test site (story, promo, share bar, related links) and its paragraphs."""
    site = NewsSite()
    told = site.publish(story(slug, n=4))
    site.server = None
    return site.render_article(told, base="http://gazette.example").encode(), told.paragraphs


def test_body_selector_gives_exactly_the_selected_block_and_title_selector_the_headline():
    html, paragraphs = page()
    rules = ExtractRules(title_selector="p.byline", body_selector="div.story-body")
    got = extract(html, "http://gazette.example/news/tram-line", rules=rules)
    assert got.text == "\n".join(paragraphs)
    assert got.title == "By Jane Reporter"  # what the selector names, not the <h1>
    assert got.extractor.endswith(rules.tag()) and "+rules:" in got.extractor


def test_exclude_drops_its_block_before_the_body_is_read():
    html, paragraphs = page()
    whole = extract(html, None, rules=ExtractRules(body_selector="article.story")).text
    assert "A photo for the story" in whole and "Share this article" in whole
    rules = ExtractRules(body_selector="article.story", exclude=("figure", "div.share"))
    assert extract(html, None, rules=rules).text.splitlines() == ["By Jane Reporter", *paragraphs]
    only = ExtractRules(body_selector="div.story-body", exclude=("p:nth-of-type(2)",))
    assert extract(html, None, rules=only).text.splitlines() == [paragraphs[0], *paragraphs[2:]]


def test_a_selector_that_matches_nothing_names_itself():
    html, _ = page()
    with pytest.raises(RuleMiss, match=r"body selector 'div\.story-text' matched nothing"):
        extract(html, None, rules=ExtractRules(body_selector="div.story-text"))
    with pytest.raises(RuleMiss, match=r"title selector 'h2\.headline' matched nothing"):
        extract(html, None, rules=ExtractRules(title_selector="h2.headline"))


def test_a_changed_rule_re_extracts_without_a_version_and_a_real_edit_still_makes_one(
    site, crawler, add_feed, clock, db, config
):
    site.publish(story("ferry-fares"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    set_rules(config, "gazette", body_selector="article.story")
    crawler.once()  # version 0 holds the photo caption and the share bar
    assert "Share this article" in stored(db, "ferry-fares")[0][0].text

    assert set_rules(config, "gazette", exclude=("figure", "div.share")) == [
        "body selector: article.story",
        "exclude: figure, div.share",
    ]
    clock.advance(minutes=20)
    assert crawler.once().articles_changed == 0  # other text, same story: not an edit
    versions, checks = stored(db, "ferry-fares")
    assert len(versions) == 1 and checks[-1].outcome == "unchanged"

    site.edit("ferry-fares", paragraph=(1, "Fares will rise by 12 per cent, the operator said."))
    clock.advance(minutes=20)
    assert crawler.once().articles_changed == 1
    versions, _ = stored(db, "ferry-fares")
    assert versions[1].extractor != versions[0].extractor
    assert versions[1].text.splitlines() == [
        "By Jane Reporter",
        *site.stories["ferry-fares"].paragraphs,
    ]


@pytest.mark.sqlite_only
def test_a_rule_that_no_longer_matches_fails_the_check_and_stores_nothing(
    site, crawler, add_feed, clock, db, config
):
    site.publish(story("harbour-dues"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    set_rules(config, "gazette", body_selector="div.story-text")
    crawler.once()
    versions, checks = stored(db, "harbour-dues")
    assert versions == []
    assert (checks[-1].outcome, checks[-1].detail) == (
        "error",
        "body selector 'div.story-text' matched nothing",
    )


@pytest.mark.sqlite_only
def test_bad_selectors_are_refused_and_clear_rules_goes_back_to_generic(config, add_feed, db):
    add_feed("gazette", "https://gazette.example/feed.xml")
    with pytest.raises(SourceError, match=r"bad body selector 'div\[\[': "):
        set_rules(config, "gazette", body_selector="div[[")
    with pytest.raises(SourceError, match="at most 50 exclude selectors"):
        set_rules(config, "gazette", exclude=tuple(f".ad-{i}" for i in range(51)))
    set_rules(config, "gazette", body_selector="main", exclude=("aside", ".ad"))
    assert set_rules(config, "gazette", body_selector="main") == []  # nothing changed
    assert set_rules(config, "gazette", clear_rules=True) == ["rules: cleared, generic extraction"]
    db.expire_all()
    assert db.scalar(select(Source.extract_rules)) is None


@pytest.mark.sqlite_only
def test_config_tables_set_a_sources_rules_as_a_whole(config, add_feed, db):
    add_feed("gazette", "https://gazette.example/feed.xml")
    set_rules(config, "gazette", title_selector="h1.old", exclude=(".ad",))
    with transaction(ensure_schema(config.database_url)) as session:
        said = apply_source_tables(
            session,
            {
                "gazette": SourceTable(body_selector="div.story"),
                "missing": SourceTable(render="browser"),  # not added yet: skipped, not fatal
            },
        )
    assert said == ["gazette: body selector: div.story"]
    db.expire_all()
    assert db.scalar(select(Source.extract_rules)) == {
        "title_selector": None,
        "body_selector": "div.story",
        "exclude": [],
    }


@pytest.mark.sqlite_only
def test_extract_command_shows_a_page_under_a_sources_rules(tmp_path):
    html, paragraphs = page()
    saved = tmp_path / "page.html"
    saved.write_bytes(html)
    assert newsmon(tmp_path, "sources", "add", "gazette", "https://g.example/f.xml").returncode == 0
    done = newsmon(
        tmp_path, "sources", "set", "gazette", "--body-selector", "div.story-body",
        "--exclude", "p:nth-of-type(2)",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "gazette: body selector: div.story-body" in done.stdout
    listed = newsmon(tmp_path, "sources", "list").stdout
    assert "    rules: body div.story-body, exclude p:nth-of-type(2)\n" in listed

    shown = newsmon(tmp_path, "extract", str(saved), "--source", "gazette")
    assert shown.returncode == 0, shown.stderr
    body = shown.stdout.split("\n\n", 1)[1].strip()
    assert body.splitlines() == [paragraphs[0], *paragraphs[2:]]

    bad = newsmon(tmp_path, "sources", "set", "gazette", "--title-selector", "h1[")
    assert one_error_line(bad).startswith("newsmon: error: bad title selector 'h1[': ")
    newsmon(tmp_path, "sources", "set", "gazette", "--body-selector", "div.gone")
    missed = newsmon(tmp_path, "extract", str(saved), "--source", "gazette")
    assert one_error_line(missed) == "newsmon: error: body selector 'div.gone' matched nothing"


@pytest.mark.sqlite_only
def test_new_text_under_a_new_rule_with_no_comparable_page_is_a_method_change(
    site, crawler, add_feed, clock, db, config
):
    """Without a stored page to re-read under the new rule, the new text may differ only
    because newsmon reads the page another way: stored, but not announced as an edit."""
    import feedparser
    from fastapi.testclient import TestClient
    from sqlalchemy import update

    from newsmon.web.app import create_app

    site.publish(story("pier-repairs"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    set_rules(config, "gazette", body_selector="article.story")
    crawler.once()
    with transaction(ensure_schema(config.database_url)) as session:  # stored before pages were
        session.execute(update(Version).values(raw_html=None, raw_page=None))
    set_rules(config, "gazette", exclude=("figure", "div.share"))
    clock.advance(minutes=20)
    crawler.once()
    versions, _ = stored(db, "pier-repairs")
    assert [v.change_class for v in versions] == [None, "method"]
    with TestClient(create_app(config, clock)) as client:
        quiet = feedparser.parse(client.get("/feeds/changes.rss").content)
        asked = feedparser.parse(client.get("/feeds/changes.rss?class=method").content)
        page = client.get(f"/articles/{versions[1].article_id}").text
    assert quiet.entries == [] and len(asked.entries) == 1
    assert "re-read by a new extraction method" in page


@pytest.mark.sqlite_only
def test_a_crawls_many_requests_for_source_rules_cost_one_query(config, add_feed):
    """A crawl starts a hundred requests at once; each needs its source's rules. They
    share one load, and a reload after the cache ages happens behind their backs."""
    import asyncio

    from sqlalchemy import event

    from newsmon.sources.modes import ModeCache
    from newsmon.storage.db import shared_engine

    add_feed("gazette", "https://gazette.example/feed.xml")
    set_rules(config, "gazette", body_selector="main")
    source_id = _source_id(config)
    engine = shared_engine(config.database_url)
    reads: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        if "FROM sources" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:

        async def crawl_start() -> list[str | None]:
            cache = ModeCache(config.database_url, max_age=0.05)
            first = await asyncio.gather(*(cache.get(source_id) for _ in range(100)))
            await asyncio.sleep(0.1)  # aged: the next request is served at once, reload behind
            later = await cache.get(source_id)
            await asyncio.sleep(0.5)  # room for the reload behind its back to finish
            return [m.rules.body_selector if m.rules else None for m in [*first, later]]

        selectors = asyncio.run(crawl_start())
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert set(selectors) == {"main"}
    assert len(reads) == 2  # the first load, shared by 100 requests; one reload


def _source_id(config) -> int:
    with transaction(ensure_schema(config.database_url)) as session:
        return source_by_slug(session, "gazette").id

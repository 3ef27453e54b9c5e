"""Each source's language, learnt from its feeds and pages or pinned, in feeds and pages."""

from __future__ import annotations

import feedparser
import pytest
from fastapi.testclient import TestClient
from lxml.html import fromstring
from sqlalchemy import select

from newsmon.discover.feeds import parse_feed
from newsmon.extract.language import normalize_tag, page_language
from newsmon.extract.page import extract
from newsmon.storage.models import Article, Source
from newsmon.web.app import create_app
from tests.cli_helpers import cli_env, newsmon, one_error_line
from tests.newssite import Story, story

pytestmark = pytest.mark.sqlite_only  # language handling is the same on every database

CHINESE = [
    "北京市政府周二宣布，新的交通规则将于下月实施，违规车辆将被处以更高的罚款。",
    "官员表示，这项措施旨在缓解城市拥堵，并减少早晚高峰时段的空气污染。",
    "据市交通委员会介绍，新规则涵盖公交专用道、停车管理和共享单车的投放。",
    "部分市民对新规表示支持，但也有出租车司机担心收入会因此减少。",
    "市政府计划在未来三个月内举行多场听证会，听取各方意见后再作最终调整。",
]


def source(db, slug: str = "gazette") -> Source:
    db.expire_all()
    return db.scalar(select(Source).where(Source.slug == slug))


def feed_language(client: TestClient, path: str) -> str | None:
    response = client.get(path)
    assert response.status_code == 200, response.text
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed.feed.get("language")


@pytest.mark.parametrize(
    ("typed", "tag"),
    [("en_gb", "en-GB"), ("EN-us", "en-US"), ("iw", "he"), ("zh-hant-tw", "zh-Hant-TW"),
     ("ara", "ar"), ("und", None), ("english", None), ("en us", None), ("", None),
     ("fr\x00", None), ("x" * 60, None), (None, None), (["en"], None)],
)  # fmt: skip
def test_tags_from_feeds_pages_and_people_are_normalised_or_dropped(typed, tag):
    assert normalize_tag(typed) == tag


def test_feeds_state_their_language_in_rss_language_or_atom_xml_lang():
    atom = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="AR_eg">'
        b"<title>t</title><entry><title>x</title><link href='http://a.test/1'/></entry></feed>"
    )
    assert parse_feed(atom, url="http://a.test/feed").language == "ar-EG"
    rss = b"<rss version='2.0'><channel><title>t</title><language>{}</language></channel></rss>"
    assert parse_feed(rss.replace(b"{}", b"en-us"), url="http://a.test/").language == "en-US"
    assert parse_feed(rss.replace(b"{}", b"<b>x</b>"), url="http://a.test/").language is None


def test_the_page_language_prefers_the_article_statement_then_html_lang_then_og_locale():
    page = '<html lang="{}"><head><meta property="og:locale" content="pt_BR"></head></html>'
    tree = fromstring(page.format("es-419"))
    assert page_language(tree, {"og:locale": "pt_BR"}, "ca") == "ca"
    assert page_language(tree, {"og:locale": "pt_BR"}, None) == "es-419"
    assert page_language(fromstring(page.format("")), {"og:locale": "pt_BR"}, None) == "pt-BR"
    assert page_language(fromstring("<html><p>x</p></html>"), {}, "nonsense words") is None


def test_a_source_learns_its_language_from_its_feed_and_uses_it(
    site, crawler, add_feed, clock, config, db
):
    site.feed_language = "fr_fr"
    site.publish(story("pont-ferme", lang="en"))  # the feed's word wins over its pages'
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    assert source(db).language == "fr-FR" and not source(db).language_pinned

    client = TestClient(create_app(config, clock))
    assert feed_language(client, "/sources/gazette/changes.rss") == "fr-FR"
    assert feed_language(client, "/feeds/changes.atom") == "fr-FR"  # the one language of all
    article_id = db.scalar(select(Article.id))
    assert '<h1 dir="auto" lang="fr-FR">' in client.get(f"/articles/{article_id}").text
    assert feed_language(client, f"/articles/{article_id}/changes.rss") == "fr-FR"


def test_without_a_feed_language_the_pages_say_it_and_mixed_sources_leave_the_global_feed_bare(
    site, crawler, add_feed, clock, config, db
):
    site.publish(story("rathaus", lang="de-de"))
    site.publish(story("council", lang="en-GB"))
    add_feed("zeitung", site.url("/feeds/rss.xml?slugs=rathaus"))
    add_feed("gazette", site.url("/feeds/rss.xml?slugs=council"))
    crawler.once()
    assert source(db, "zeitung").language == "de-DE"
    assert source(db, "gazette").language == "en-GB"
    client = TestClient(create_app(config, clock))
    assert feed_language(client, "/sources/zeitung/changes.atom") == "de-DE"
    assert feed_language(client, "/feeds/changes.rss") is None


def test_sources_set_language_pins_a_checked_tag_and_auto_unpins(
    site, crawler, add_feed, clock, config, db, tmp_path
):
    site.feed_language = "fr"
    site.publish(story("obras-na-ponte"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    env = cli_env(tmp_path, NEWSMON_DATABASE_URL=config.database_url)

    done = newsmon(tmp_path, "sources", "set", "gazette", "--language", "pt_br", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "gazette: language: pt-BR (pinned)"
    crawler.once()  # the feed says French; the pinned tag stays
    assert (source(db).language, source(db).language_pinned) == ("pt-BR", True)
    client = TestClient(create_app(config, clock))
    assert feed_language(client, "/sources/gazette/changes.rss") == "pt-BR"
    article_id = db.scalar(select(Article.id))
    assert 'lang="pt-BR"' in client.get(f"/articles/{article_id}").text

    listed = newsmon(tmp_path, "sources", "list", env=env).stdout
    assert "gazette  gazette  (1 articles, pt-BR (pinned))" in listed
    bad = newsmon(tmp_path, "sources", "set", "gazette", "--language", "portuguese!", env=env)
    assert "bad language 'portuguese!'" in one_error_line(bad)
    auto = newsmon(tmp_path, "sources", "set", "gazette", "--language", "auto", env=env)
    assert auto.stdout.strip() == "gazette: language: auto (learnt from its feeds and pages)"
    clock.advance(hours=2)
    crawler.once()
    assert (source(db).language, source(db).language_pinned) == ("fr", False)


def test_one_changed_chinese_character_on_the_page_is_one_changed_character(
    site, crawler, add_feed, clock, config, db
):
    site.publish(Story(slug="jiaotong", title="北京发布交通新规", paragraphs=list(CHINESE)))
    site.stories["jiaotong"].lang = "zh-CN"
    add_feed("xinwen", site.url("/feeds/rss.xml"))
    crawler.once()
    site.edit("jiaotong", paragraph=(0, CHINESE[0].replace("周二", "周三")))
    clock.advance(minutes=20)
    assert crawler.once().articles_changed == 1

    client = TestClient(create_app(config, clock))
    article_id = db.scalar(select(Article.id))
    diff = client.get(f"/api/articles/{article_id}/diff/0/1").json()
    marked = [
        (span["op"], span["text"])
        for row in diff["rows"]
        for span in row["old"] + row["new"]
        if span["op"] != "equal"
    ]
    assert marked == [("delete", "二"), ("insert", "三")]
    assert (diff["words_added"], diff["words_removed"]) == (1, 1)
    page = client.get(f"/articles/{article_id}/diff/0/1").text
    assert '<td class="new" dir="auto" lang="zh-CN">' in page and "<ins>三</ins>" in page


PROMOS = [
    "Abonnez-vous à notre newsletter quotidienne",
    "Suivez-nous sur Facebook et Instagram",
    "En savoir plus",
    "Melden Sie sich für unseren Newsletter an",
    "Folgen Sie uns auf Twitter",
    "Mehr zum Thema",
    "Suscríbete a nuestro boletín",
    "Síguenos en Twitter y Facebook",
    "Más información:",
]
PROSE = [
    "Suivez-nous dans les rues de Paris, où la police a arrêté trois hommes mardi soir.",
    "Folgen Sie uns, sagte der Polizist, dann zeigte er auf das Auto des Bürgermeisters.",
    "Mehr zum Thema Verkehr steht im Bericht, den der Stadtrat am Montag vorgelegt hat.",
    "Más información llegará el lunes, dijo el alcalde a los periodistas en el ayuntamiento.",
]


def test_promo_lines_in_french_german_and_spanish_leave_the_text_and_prose_stays():
    paragraphs = list(PROSE)
    for i, promo in enumerate(PROMOS):
        paragraphs.insert(i % len(paragraphs), promo)
    page = f"<html><body><article><h1>Le pont</h1>{''.join(f'<p>{p}</p>' for p in paragraphs)}"
    text = extract(page + "</article></body></html>").text
    assert text.split("\n") == PROSE


@pytest.mark.sqlite_only
def test_a_source_with_feeds_in_two_languages_keeps_its_first_feeds(
    site, crawler, add_feed, clock, db
):
    site.feed_language = "en"
    arabic = site.raw_feed(
        "/feeds/arabic.xml",
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Arabic edition</title>'
        b"<link>http://gazette.example/ar/</link><description>d</description>"
        b"<language>ar</language></channel></rss>",
    )
    add_feed("gazette", site.url("/feeds/rss.xml"), arabic)
    for _ in range(4):  # both feeds polled each pass, in no fixed order
        crawler.once()
        db.expire_all()
        assert db.scalar(select(Source.language)) == "en"
        clock.advance(minutes=20)

"""A hostile publisher's characters and URLs (issue 17, items 13-15), over real crawls.

Stored text is what a reader sees on the page: entities decoded once (as a browser
does), never twice; a paragraph the story repeats back to back stays twice; bidi
controls never reach a stored headline, the API or a feed; the spellings of one URL
path are one article. Real Scrapy over loopback, SQLite and PostgreSQL.
"""

from __future__ import annotations

import feedparser
import httpx
import lxml.html
from sqlalchemy import func, select

from newsmon.discover.feeds import FeedEntry
from newsmon.record.store import add_entries, article_for_url
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Article, Source, Version
from tests.newssite import story
from tests.web_fixtures import serve

# As a reader sees them: the site escapes each paragraph once, so the page's source says
# "&amp;lt;script&amp;gt;" and a browser shows "&lt;script&gt;".
LITERAL = "To embed it, you type &lt;script&gt; and &amp;nbsp; for a space, then save."
REPEATED = (
    "We repeat this paragraph on purpose, word for word, because the publisher printed "
    "it twice in a row."
)
RLO, PDF, LRI, PDI = "\u202e", "\u202c", "\u2066", "\u2069"


def shown(html: str) -> str:
    """The text a browser renders from `html` (entities decoded once)."""
    return lxml.html.fromstring(html).text_content()


def versions(db, article_id: int) -> list[Version]:
    db.expire_all()
    return list(
        db.scalars(select(Version).where(Version.article_id == article_id).order_by(Version.number))
    )


def only_article(db) -> Article:
    db.expire_all()
    return db.scalars(select(Article)).one()


def test_text_is_stored_and_shown_as_the_page_shows_it(site, crawler, add_feed, clock, config, db):
    page = story("literal", n=4)
    page.paragraphs[1] = LITERAL
    page.paragraphs[2:2] = [REPEATED, REPEATED]
    site.publish(page)
    source = site.render_article(page)
    assert "&amp;lt;script&amp;gt;" in source and LITERAL in shown(source)
    assert shown(source).count(REPEATED) == 2
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    article = only_article(db)
    [first] = versions(db, article.id)
    assert LITERAL in first.text.split("\n")
    assert first.text.split("\n").count(REPEATED) == 2

    # an edit from "&lt;" to "<" as shown (the source goes from &amp;lt; to &lt;) is an edit
    edited = LITERAL.replace("&lt;", "<").replace("&gt;", ">")
    site.edit("literal", paragraph=(1, edited))
    clock.advance(hours=1)
    crawler.once(everything=True)
    _, new = versions(db, article.id)
    assert edited in new.text.split("\n") and LITERAL not in new.text

    served = serve(config, clock)
    try:
        with httpx.Client(base_url=served.base, timeout=10) as web:
            api = web.get(f"/api/articles/{article.id}/versions/0").json()
            assert LITERAL in api["text"].split("\n")
            assert api["text"].split("\n").count(REPEATED) == 2
            assert edited in web.get(f"/api/articles/{article.id}/versions/1").json()["text"]
            diff = shown(web.get(f"/articles/{article.id}/diff/0/1").text)
            assert "&lt;script&gt;" in diff and "<script>" in diff
            assert "&amp;nbsp;" in diff
    finally:
        served.stop()


def test_bidi_controls_stay_out_of_headlines_the_api_and_feeds(
    site, crawler, add_feed, clock, config, db
):
    page = story("bidi", n=4, title=f"Mayor {RLO}sengiser{PDF} after {LRI}vote{PDI} on budget")
    page.byline = f"By {RLO}Jane{PDF} Reporter"
    page.paragraphs[0] = f"The council {RLO}met{PDF} on Tuesday to {LRI}discuss{PDI} the budget."
    site.publish(page)
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.feeds()
    clean = "Mayor sengiser after vote on budget"
    assert only_article(db).title == clean  # the feed's title, before any check
    crawler.once()
    site.edit("bidi", paragraph=(1, "A new second paragraph about the budget vote."))
    clock.advance(hours=1)
    crawler.once(everything=True)
    article = only_article(db)
    first, second = versions(db, article.id)
    assert first.title == second.title == article.title == clean
    assert first.byline == "Jane Reporter"
    assert "The council met on Tuesday to discuss the budget." in first.text

    served = serve(config, clock)
    try:
        with httpx.Client(base_url=served.base, timeout=10) as web:
            assert web.get(f"/api/articles/{article.id}").json()["title"] == clean
            api = web.get(f"/api/articles/{article.id}/versions/1").json()
            assert api["title"] == clean and RLO not in api["text"] and LRI not in api["text"]
            for path in (f"/articles/{article.id}/changes.rss", "/feeds/changes.rss"):
                parsed = feedparser.parse(web.get(path).content)
                assert parsed.bozo == 0, parsed.get("bozo_exception")
                [entry] = parsed.entries
                assert entry.title == f"‘{clean}’ changed (version 1)"
                assert not {RLO, PDF, LRI, PDI} & set(entry.title + entry.summary)
    finally:
        served.stop()


def variants_feed(site, links: list[str]) -> str:
    items = "".join(
        f"<item><title>Council votes</title><link>{link}</link></item>" for link in links
    )
    body = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>V</title>{items}</channel></rss>'
    )
    return site.raw_feed("/feeds/variants.xml", body.encode())


def test_spellings_of_one_url_path_are_one_article(site, crawler, add_feed, db):
    site.publish(story("var", n=4, canonical="/news/var"))
    paths = ["/news/var", "//news/var", "/news//var", "/news/%76ar", "/news/./var"]
    paths += ["/news/x/../var", "/news/var/"]
    add_feed("gazette", variants_feed(site, [site.base + path for path in paths]))
    crawler.once()
    article = only_article(db)  # /news/var/ folded in: its page names /news/var canonical
    assert article.url == site.url("/news/var")
    assert article.version_count == 1
    for path in paths:
        assert article_for_url(db, site.base + path).id == article.id, path


def test_an_article_stored_under_a_former_spelling_keeps_its_url(
    site, crawler, add_feed, clock, config, db
):
    site.publish(story("var", n=4))
    legacy = site.url("/news/%76ar")  # how newsmon stored a link before paths were normalised
    add_feed("gazette", site.url("/feeds/rss.xml"))
    engine = ensure_schema(config.database_url)
    with transaction(engine) as session:
        source = session.scalars(select(Source)).one()
        add_entries(session, source_id=source.id, entries=[FeedEntry(url=legacy)], now=clock.now())
    stored = only_article(db)
    assert article_for_url(db, legacy).id == stored.id
    add_feed("wire", variants_feed(site, [legacy]))  # a feed still lists the old spelling
    crawler.feeds()
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Article)) == 1
    assert article_for_url(db, site.url("/news/var")).id == stored.id
    assert article_for_url(db, legacy).id == stored.id

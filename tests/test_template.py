"""A source's template (the blocks its pages repeat) is learned and left out of the text:
short stories beside a churning ticker, promo or subscription box keep one version."""

from __future__ import annotations

import html

from sqlalchemy import select

from newsmon.record.templates import learn_templates
from newsmon.sources.template import Template, block_key, learn, threshold
from newsmon.storage.db import ensure_schema
from newsmon.storage.models import Article, Source, Version
from tests.newssite import Story

SHORT = {
    "bridge-closed": ["The Harbour Bridge was closed on Tuesday after a lorry struck its rail."],
    "mayor-resigns": [
        "The mayor of Easthaven resigned on Monday evening, citing ill health.",
        "Her deputy will lead the council until an election in the spring.",
    ],
    "river-flood": ["The river Aln burst its banks overnight, flooding forty homes in Alnmouth."],
    "school-fire": ["A fire at Northgate primary school was put out before lessons began."],
    "port-strike": [
        "Dock workers at the port walked out at dawn over a pay offer they called derisory.",
    ],
    "rail-fares": [
        "Rail fares on the coast line will rise by a fifth in March, the operator said."
    ],
}


def page(slug: str, title: str, paragraphs: list[str], n: int) -> str:
    """A short story in one site's chrome; every block around it carries a changing number."""
    story = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)} - Coast Courier</title></head><body>
<header><div class="promo">Breaking: markets update every {n + 12} minutes — sign up now</div>
<nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
<main><article>
<div class="ticker">FTSE 100 {7500 + n * 7}.{n % 10} ▲0.{n % 9}%
 · Dow {39000 + n * 13} ▼{n % 5}.2%</div>
<h1>{html.escape(title)}</h1>
<div class="body">{story}</div>
<div class="subscribe"><p>From £{n + 3} / month · Subscribe</p></div>
</article>
<aside class="most-read"><h2>Most read</h2>
<p>{n + 40} people are reading about the tide tables</p></aside>
</main><footer><p>© 2026 Coast Courier. {n * 31} visits today.</p></footer></body></html>"""


def serve_all(site, n: int, edited: dict[str, list[str]] | None = None) -> None:
    for slug, paragraphs in SHORT.items():
        title = slug.replace("-", " ").capitalize()
        body = (edited or {}).get(slug, paragraphs)
        with site.lock:
            story = site.stories.get(slug)
            if story is None:
                site.stories[slug] = Story(slug, title, body)
                story = site.stories[slug]
            story.page_html = page(slug, title, body, n)


def versions_of(db, slug: str) -> list[Version]:
    db.expire_all()
    return list(
        db.scalars(
            select(Version)
            .join(Article, Article.id == Version.article_id)
            .where(Article.url.endswith("/" + slug))
            .order_by(Version.number)
        )
    )


def test_blocks_on_a_fifth_of_the_articles_and_at_least_three_are_template():
    assert threshold(5) == 3 and threshold(10) == 3 and threshold(60) == 12
    towns = ("Alnmouth", "Bamburgh", "Craster", "Embleton", "Seahouses", "Warkworth")
    texts = [f"A storm hit {town}.\nFrom £{i} / month · Subscribe" for i, town in enumerate(towns)]
    texts[0] += "\nCorrection: this article was updated to give the right date."
    learned = learn(texts)
    assert learned is not None
    assert learned.blocks == {block_key("From £9 / month · Subscribe")}
    assert learned.without(texts[0]).splitlines() == [
        "A storm hit Alnmouth.",
        "Correction: this article was updated to give the right date.",
    ]
    assert learn(texts[:4]) is None  # four pages teach nothing yet
    only_template = Template(frozenset({block_key("Subscribe now")}))
    assert only_template.without("Subscribe now") == "Subscribe now"  # never an empty text


def test_short_stories_in_churning_chrome_keep_one_version_once_the_template_is_learned(
    site, crawler, add_feed, clock, db, config
):
    serve_all(site, 1)
    add_feed("courier", site.url("/feeds/rss.xml"))
    crawler.once()
    first = versions_of(db, "bridge-closed")
    assert len(first) == 1

    engine = ensure_schema(config.database_url)
    assert learn_templates(engine, now=clock.now()) == 1  # what the hourly job runs
    assert learn_templates(engine, now=clock.now()) == 0  # no new page: nothing read again
    db.expire_all()
    learned = Template.from_json(db.scalar(select(Source.template)))
    assert learned is not None
    assert block_key("From £9 / month · Subscribe") in learned.blocks

    for n in (2, 3, 4, 5):  # every block's number changes on every check
        serve_all(site, n)
        clock.advance(minutes=30)
        stats = crawler.once()
        assert stats.articles_changed == 0, n
    for slug in SHORT:
        assert len(versions_of(db, slug)) == 1, slug  # version 0 stays as it was captured

    edited = {"bridge-closed": [SHORT["bridge-closed"][0].replace("Tuesday", "Wednesday")]}
    serve_all(site, 6, edited)
    clock.advance(minutes=30)
    assert crawler.once().articles_changed == 1
    versions = versions_of(db, "bridge-closed")
    assert len(versions) == 2
    assert versions[1].change_class == "edit"
    assert "Subscribe" in versions[0].text  # as captured, before the template was known
    text = versions[1].text  # the story alone: none of the blocks above, inside or after it
    assert edited["bridge-closed"][0] in text.splitlines()
    assert not any(word in text for word in ("FTSE", "Breaking", "Subscribe", "reading"))

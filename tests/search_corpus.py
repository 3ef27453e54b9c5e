"""A small corpus made by real crawls of the local news site, for search, class and feed tests.

Two sources: `gazette` (harbour, talks) and `herald` (bridge). Version by version:
- harbour 0; 1 drops "according to police" and the zeppelin mural; 2 rewrites the
  headline; 3 only turns a full stop into an exclamation mark (minor).
- talks 0; 1 drops "according to" from one paragraph and "Police" from the next
  (two separate removed runs); 2 adds "agreed a ceasefire".
- bridge 0; 1 drops "according to police".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from newsmon.storage.models import Article, Source
from tests.newssite import Story

FILLER = " The council will meet again on Thursday to discuss the matter in more detail."

HARBOUR = [
    "Firefighters were called to the harbour at dawn, according to police, and three boats "
    "burned beside the old fish market.",
    "A zeppelin mural on the warehouse wall was damaged in the blaze, residents said.",
    "Smoke could be seen across the bay for hours.",
]
TALKS = [
    "Negotiators met in Geneva on Monday for a second round.",
    "The talks will resume next week according to diplomats in the region.",
    "Police closed the roads around the venue for the whole day.",
]
BRIDGE = ["The bridge was closed after cracks were found in its supports, according to police."]


def _story(slug: str, title: str, paragraphs: list[str]) -> Story:
    return Story(slug=slug, title=title, paragraphs=[p + FILLER for p in paragraphs])


def _edit(site, slug: str, index: int, text: str) -> None:
    site.edit(slug, paragraph=(index, text + FILLER))


@dataclass(frozen=True)
class Corpus:
    harbour: int
    talks: int
    bridge: int


def build(site, crawler, add_feed, clock, db) -> Corpus:
    site.publish(_story("harbour", "Harbour fire: crews battle blaze", HARBOUR))
    site.publish(_story("talks", "Ceasefire talks stall in Geneva", TALKS))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    _set_enabled(db, "gazette", False)  # so the bridge story is the herald's
    site.publish(_story("bridge", "Bridge closed over safety fears", BRIDGE))
    add_feed("herald", site.url("/feeds/atom.xml"))
    crawler.once()
    _set_enabled(db, "gazette", True)

    clock.advance(minutes=20)
    _edit(site, "harbour", 0, HARBOUR[0].replace(", according to police,", ""))
    _edit(site, "harbour", 1, "The warehouse wall was damaged in the blaze, residents said.")
    _edit(site, "talks", 1, "The talks will resume next week, diplomats in the region said.")
    _edit(site, "talks", 2, TALKS[2].replace("Police", "Officers"))
    _edit(site, "bridge", 0, BRIDGE[0].replace(", according to police.", ", engineers said."))
    crawler.once(everything=True)

    clock.advance(minutes=20)
    site.edit("harbour", title="Harbour fire: arson suspected, say investigators")
    _edit(site, "talks", 0, TALKS[0].replace(" for a second round.", " and agreed a ceasefire."))
    crawler.once(everything=True)

    clock.advance(minutes=20)
    _edit(site, "harbour", 2, HARBOUR[2].replace("hours.", "hours!"))
    crawler.once(everything=True)

    db.expire_all()
    ids = {a.url.rsplit("/", 1)[-1]: a.id for a in db.scalars(select(Article))}
    return Corpus(harbour=ids["harbour"], talks=ids["talks"], bridge=ids["bridge"])


def _set_enabled(db, slug: str, enabled: bool) -> None:
    db.execute(update(Source).where(Source.slug == slug).values(enabled=enabled))
    db.commit()

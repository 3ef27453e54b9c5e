"""The fast path for unchanged stories, over loopback with real Scrapy: a recheck whose
story region is unchanged under churning chrome is not extracted again, and no edit is
hidden by it (each makes exactly one version), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from newsmon.crawl.metrics import process_metrics
from newsmon.record.check import SAME_STORY
from newsmon.record.reading import FULL_AFTER, FULL_EVERY
from newsmon.storage.models import Article, Check, Version
from tests import storypages
from tests.newssite import story

ADDED = "The minister later said the figures would be revised again before the vote."


def _by_path(path: str) -> float:
    value = process_metrics().registry.get_sample_value(
        "newsmon_checks_by_path_total", {"path": path}
    )
    return value or 0.0


def _versions(db, slug: str) -> list[Version]:
    db.expire_all()
    return list(
        db.scalars(
            select(Version).join(Article).where(Article.url.contains(slug)).order_by(Version.number)
        )
    )


def _last_check(db, slug: str) -> Check:
    db.expire_all()
    return db.scalars(
        select(Check)
        .join(Article)
        .where(Article.url.contains(slug))
        .order_by(Check.at.desc(), Check.id.desc())
    ).first()


def _watch(site, crawler, add_feed, slug: str):
    """A story in the usual layout, captured by a first (full) check."""
    published = site.publish(story(slug, template=storypages.front))
    add_feed("post", site.url("/feeds/rss.xml"))
    assert crawler.once().articles_captured == 1
    return published


def _recheck(crawler, clock):
    clock.advance(hours=1)  # due under the recheck policy for the story's first day
    return crawler.once()


def test_an_unchanged_story_under_churning_chrome_takes_the_fast_path(
    site, crawler, add_feed, clock, db
):
    _watch(site, crawler, add_feed, "harbour-dredging")
    fast, full = _by_path("fast"), _by_path("full")
    pages = len(site.hits("/news/harbour-dredging"))
    for _ in range(3):
        stats = _recheck(crawler, clock)
        assert stats.articles_checked == 1 and stats.articles_changed == 0
        check = _last_check(db, "harbour-dredging")
        assert check.outcome == "unchanged" and check.detail == SAME_STORY
    assert len(site.hits("/news/harbour-dredging")) == pages + 3  # new bytes every time
    assert _by_path("fast") == fast + 3 and _by_path("full") == full
    (version,) = _versions(db, "harbour-dredging")
    assert _last_check(db, "harbour-dredging").content_hash == version.content_hash
    assert "reviewed 10 cases" in version.text and "Advertisement" not in version.text


def _word(site, slug):
    site.edit(slug, paragraph=(2, site.stories[slug].paragraphs[2].replace("12", "13")))


def _before(site, slug):
    site.edit(slug, paragraphs=[ADDED, *site.stories[slug].paragraphs])


def _inside(site, slug):
    paragraphs = site.stories[slug].paragraphs
    site.edit(slug, paragraphs=[*paragraphs[:2], ADDED, *paragraphs[2:]])


def _after(site, slug):
    site.edit(slug, paragraphs=[*site.stories[slug].paragraphs, ADDED])


def _headline(site, slug):
    site.edit(slug, title="Council admits harbour cases were never reviewed")


def _moved_and_edited(site, slug):
    site.stories[slug].template = storypages.moved
    _word(site, slug)


EDITS = {
    "a word in the story": _word,
    "a paragraph before the story's first": _before,
    "a paragraph inside the story": _inside,
    "a paragraph after the story's last": _after,
    "the headline": _headline,
    "the story moved to another container, and edited": _moved_and_edited,
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_each_edit_makes_exactly_one_version(edit, site, crawler, add_feed, clock, db):
    _watch(site, crawler, add_feed, "port-review")
    _recheck(crawler, clock)
    assert _last_check(db, "port-review").detail == SAME_STORY  # the fast path is armed

    edit(site, "port-review")
    assert _recheck(crawler, clock).articles_changed == 1
    for _ in range(2):  # seen again: no new version, and the fast path is armed again
        assert _recheck(crawler, clock).articles_changed == 0
    assert _last_check(db, "port-review").detail == SAME_STORY

    _, second = _versions(db, "port-review")
    page = site.stories["port-review"]
    assert second.title == page.title
    assert second.text.split("\n") == page.paragraphs


def test_a_page_whose_layout_moves_the_story_still_captures_it(site, crawler, add_feed, clock, db):
    _watch(site, crawler, add_feed, "ferry-timetable")
    _recheck(crawler, clock)
    full = _by_path("full")

    site.stories["ferry-timetable"].template = storypages.moved  # a redesign, same story
    assert _recheck(crawler, clock).articles_changed == 0
    check = _last_check(db, "ferry-timetable")
    assert (
        check.detail is None
        and check.content_hash == _versions(db, "ferry-timetable")[0].content_hash
    )
    assert _by_path("full") == full + 1
    _recheck(crawler, clock)
    assert _last_check(db, "ferry-timetable").detail == SAME_STORY  # found at its new place

    _inside(site, "ferry-timetable")
    assert _recheck(crawler, clock).articles_changed == 1
    assert ADDED in _versions(db, "ferry-timetable")[1].text


def test_the_safety_net_extracts_in_full_when_due(site, crawler, add_feed, clock, db):
    _watch(site, crawler, add_feed, "tram-extension")
    details = []
    for _ in range(FULL_EVERY + 2):
        _recheck(crawler, clock)
        details.append(_last_check(db, "tram-extension").detail)
    # FULL_EVERY fast checks in a row, then a full extraction, then fast again
    assert details == [SAME_STORY] * FULL_EVERY + [None, SAME_STORY]
    # That net found the fingerprint right: the next comes after twice as many.
    for _ in range(FULL_EVERY):
        _recheck(crawler, clock)
        details.append(_last_check(db, "tram-extension").detail)
    assert details[FULL_EVERY + 1 :] == [SAME_STORY] * (FULL_EVERY + 1)

    clock.advance(FULL_AFTER)  # a long quiet spell: the next check is due and extracts
    full = _by_path("full")
    assert crawler.once().articles_changed == 0
    assert _last_check(db, "tram-extension").detail is None
    assert _by_path("full") == full + 1
    assert len(_versions(db, "tram-extension")) == 1

"""A site redesign is one event, not an edit of every article: the same new line on many
articles of a source at once makes `template` versions, one source event, no notification."""

from __future__ import annotations

from sqlalchemy import select

from newsmon.notify.records import add_subscription, enqueue
from newsmon.record.templatechange import MANY, changed_blocks, is_template_change
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Article, Delivery, SourceEvent, Version
from tests.newssite import story

PROMO = "Subscribe to the Morning Briefing: every story in your inbox at 7 am."
SLUGS = [f"harbour-report-{i}" for i in range(20)]


def latest_classes(db, first: bool = False) -> dict[str, str | None]:
    db.expire_all()
    rows = db.execute(
        select(Article.url, Version.change_class, Version.number)
        .join(Version, Version.article_id == Article.id)
        .order_by(Version.number)
    )
    return {row.url.rsplit("/", 1)[1]: row.change_class for row in rows if first or row.number > 0}


def enqueued(config, clock) -> int:
    """Versions that subscriptions are to be told of, after a notification round's enqueue."""
    with transaction(ensure_schema(config.database_url)) as session:
        enqueue(session, now=clock.now())
    with transaction(ensure_schema(config.database_url)) as session:
        return len(session.scalars(select(Delivery).where(Delivery.version_id.is_not(None))).all())


def told_of_events(config) -> int:
    with transaction(ensure_schema(config.database_url)) as session:
        return len(
            session.scalars(select(Delivery).where(Delivery.source_event_id.is_not(None))).all()
        )


def test_changed_blocks_mask_digits_and_a_template_change_needs_many_articles():
    assert changed_blocks("Story.\nFrom £3 a month", "Story.\nFrom £4 a month") is None
    mine = changed_blocks("Story.", f"Story.\n{PROMO}")
    assert mine is not None and len(mine) == 1
    others = {n: set(mine) for n in range(MANY - 2)}
    assert not is_template_change(mine, others)
    others[99] = set(mine)
    assert is_template_change(mine, others)
    edited = changed_blocks("Story.", f"Story, updated.\n{PROMO}")
    assert edited is not None and not is_template_change(edited, others)


def test_a_new_line_on_twenty_articles_is_one_template_event_and_a_real_edit_stays_an_edit(
    site, crawler, add_feed, clock, db, config
):
    for slug in SLUGS:
        site.publish(story(slug, n=3))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    captured = 0
    for _ in range(3):  # a pass may leave some of twenty new articles to the next
        captured += crawler.once(everything=True).articles_captured
        if captured == 20:
            break
    assert captured == 20
    with transaction(ensure_schema(config.database_url)) as session:
        add_subscription(session, url="https://hooks.example/newsmon", now=clock.now())

    for slug in SLUGS:  # the site's redesign: a promo line inside every story
        site.edit(slug, paragraphs=[*site.stories[slug].paragraphs, PROMO])
    clock.advance(minutes=30)
    assert crawler.once(everything=True).articles_changed == 20
    classes = latest_classes(db)
    assert sorted(classes) == sorted(SLUGS)
    assert set(classes.values()) == {"template"}  # not one `edit`
    events = db.scalars(select(SourceEvent).where(SourceEvent.kind == "template_changed")).all()
    assert len(events) == 1 and PROMO in (events[0].detail or "")
    assert enqueued(config, clock) == 0  # nobody is told of a redesign twenty times

    site.edit(SLUGS[7], paragraph=(0, "The harbour master resigned on Friday, officials said."))
    clock.advance(minutes=30)
    assert crawler.once(everything=True).articles_changed == 1
    db.expire_all()
    last = db.scalars(select(Version).order_by(Version.id.desc()).limit(1)).one()
    assert last.change_class == "edit"
    clock.advance(minutes=1)  # its siblings, made due, are read (if the pass did not yet)
    crawler.once()
    assert enqueued(config, clock) == 1
    assert len(db.scalars(select(SourceEvent)).all()) == 1


def test_a_redesign_reaching_articles_over_several_rounds_is_never_notified(
    site, crawler, add_feed, clock, db, config
):
    """Articles first seen 5 minutes apart are rechecked apart: the new line reaches them
    a few per crawl pass, with a notification round after each pass."""
    add_feed("gazette", site.url("/feeds/rss.xml"))
    for group in range(5):
        if group:
            clock.advance(minutes=5)
        for slug in SLUGS[4 * group : 4 * group + 4]:
            site.publish(story(slug, n=3))
        crawler.once()
    assert len(latest_classes(db, first=True)) == 20
    with transaction(ensure_schema(config.database_url)) as session:
        add_subscription(session, url="https://hooks.example/newsmon", now=clock.now())

    for slug in SLUGS:
        site.edit(slug, paragraphs=[*site.stories[slug].paragraphs, PROMO])
    passes = []
    while sum(passes) < 20 and len(passes) < 6:
        clock.advance(minutes=5)
        passes.append(crawler.once().articles_changed)
        assert enqueued(config, clock) == 0
    assert sum(passes) == 20 and max(passes) < 20  # not all in one pass
    assert set(latest_classes(db).values()) == {"template"}
    assert told_of_events(config) == 1  # the one message: "template changed"

    # the article's own edit in the same window: held one pass, while siblings are read
    site.edit(SLUGS[7], paragraph=(0, "The harbour master resigned on Friday, officials said."))
    clock.advance(minutes=5)
    assert crawler.once(everything=True).articles_changed == 1
    clock.advance(minutes=1)  # its siblings, made due, are read (if the pass did not yet)
    crawler.once()
    assert enqueued(config, clock) == 1

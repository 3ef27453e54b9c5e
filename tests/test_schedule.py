"""The recheck schedule over loopback with a moved clock: backoff, the 40-day freeze."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from newsmon.record.policy import RecheckPolicy
from newsmon.storage.models import Article, Check
from tests.newssite import story

DAY = timedelta(days=1)


def article(db, slug):
    db.expire_all()
    return db.scalar(select(Article).where(Article.url.contains(slug)))


def step(crawler, clock, db, slug):
    """Move the clock to the article's next check and run the article job."""
    due = article(db, slug).next_check_at
    clock.set(max(due, clock.now()))
    crawler.articles()


def test_lifecycle_edits_relaxing_checks_and_the_freeze(site, crawler, add_feed, clock, db):
    start = clock.now()
    site.publish(story("port-expansion"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()

    for edit_day, text in (
        (1, "The port will now open in 2028."),
        (3, "Opening is delayed to 2029."),
    ):
        while article(db, "port-expansion").next_check_at < start + edit_day * DAY:
            step(crawler, clock, db, "port-expansion")
        site.edit("port-expansion", paragraph=(0, text))
        step(crawler, clock, db, "port-expansion")
    last_change = article(db, "port-expansion").last_changed_at
    assert article(db, "port-expansion").version_count == 3
    assert start + 3 * DAY <= last_change < start + 3 * DAY + timedelta(minutes=20)

    checks_after = []
    while article(db, "port-expansion").next_check_at is not None:
        step(crawler, clock, db, "port-expansion")
        checks_after.append(clock.now())
    frozen = article(db, "port-expansion")
    assert frozen.status == "frozen"
    assert frozen.frozen_at == last_change + 40 * DAY  # frozen when it fell due at 40 days

    # The intervals grow exactly as the policy table promises.
    policy = RecheckPolicy()
    times = [last_change, *checks_after[:-1]]
    for before, after in itertools.pairwise(times):
        assert after - before == policy.interval(before - last_change), before - last_change
    gaps = {after - before for before, after in itertools.pairwise(times)}
    assert gaps == {timedelta(minutes=15), timedelta(hours=1), timedelta(hours=3), DAY}
    assert 100 <= len(checks_after) <= 120

    # Frozen: no more requests, and an edit is not picked up.
    requests_before = len(site.hits("/news/port-expansion"))
    site.edit("port-expansion", title="Port expansion scrapped")
    for _ in range(3):
        clock.advance(days=2)
        crawler.once()
    assert len(site.hits("/news/port-expansion")) == requests_before
    assert article(db, "port-expansion").version_count == 3
    assert db.scalar(select(Check).order_by(Check.id.desc())).at <= frozen.frozen_at


def test_rewrite_on_day_30_postpones_the_freeze(site, crawler, add_feed, clock, db):
    start = clock.now()
    site.publish(story("hospital-merger"))
    site.publish(story("quiet-story"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()

    site.edit("hospital-merger", paragraph=(1, "On day 30 the merger was called off."))
    clock.set(start + 30 * DAY)
    crawler.articles()
    assert article(db, "hospital-merger").version_count == 2

    clock.set(start + 41 * DAY)
    stats = crawler.articles()
    assert stats.frozen == 1
    assert article(db, "quiet-story").status == "frozen"
    rewritten = article(db, "hospital-merger")
    assert rewritten.status == "active"
    assert rewritten.last_checked_at == clock.now()

    clock.set(start + 70 * DAY)
    crawler.articles()
    assert article(db, "hospital-merger").status == "frozen"
    assert len(article(db, "hospital-merger").versions) == 2  # frozen keeps every version


def test_frozen_and_gone_states_survive_reads(site, crawler, add_feed, clock, db):
    site.publish(story("budget-leak"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    clock.advance(days=45)
    assert crawler.articles().frozen == 1
    assert site.hits("/news/budget-leak")[-1].status == 200
    assert len(site.hits("/news/budget-leak")) == 1


def test_robots_txt_is_obeyed_and_the_user_agent_names_a_contact(site, crawler, add_feed, db):
    site.publish(story("secret-memo", feed_link="/private/secret-memo"))
    site.publish(story("open-memo"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    assert site.hits("/private/") == []
    db.expire_all()
    blocked = article(db, "secret-memo")
    check = db.scalar(select(Check).where(Check.article_id == blocked.id))
    assert check.outcome == "error" and "robots.txt" in check.detail
    agent = site.hits("/news/open-memo")[0].headers["User-Agent"]
    assert agent.startswith("newsmon/") and "https://github.com/newsmon/newsmon" in agent

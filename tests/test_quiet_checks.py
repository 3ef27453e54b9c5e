"""The quiet path (a 304, or the stored bytes again) writes on the footing its claim
read; when the row has moved on meanwhile, the full path decides instead."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from newsmon.claims import ClaimRequest, claim_articles
from newsmon.db import ensure_schema, transaction
from newsmon.items import ArticleTask, PageItem
from newsmon.models import Article, Check, Source, Version
from newsmon.record import record_page


def _article(config, clock) -> int:
    now = clock.now()
    with transaction(ensure_schema(config.database_url)) as s:
        source = Source(slug="quiet", name="quiet", enabled=True, created_at=now)
        s.add(source)
        s.flush()
        article = Article(
            source_id=source.id, url="https://quiet.example/story", first_seen_at=now,
            quiet_since=now, next_check_at=now, status="active", version_count=1,
            etag='"v1"', consecutive_errors=0, consecutive_missing=0,
        )  # fmt: skip
        s.add(article)
        s.flush()
        s.add(
            Version(
                article_id=article.id, number=0, captured_at=now, content_hash="h0",
                title="Quiet", text="Quiet text.", extractor="x",
            )
        )  # fmt: skip
        return article.id


def _claim(config, clock) -> ArticleTask:
    now = clock.now()
    with transaction(ensure_schema(config.database_url)) as s:
        request = ClaimRequest(
            now=now, until=now + timedelta(minutes=10), limit=10, per_source=10, busy={}
        )
        (task,) = claim_articles(s, request)
    return task


def _not_modified(config, clock, task: ArticleTask) -> str:
    item = PageItem(task=task, fetched_at=clock.now(), url=task.url, status=304)
    item.not_modified = True
    with transaction(ensure_schema(config.database_url)) as s:
        return record_page(s, item=item, policy=config.recheck_policy())


def test_a_304_moves_the_schedule_and_frees_the_lease(config, clock, db):
    article_id = _article(config, clock)
    task = _claim(config, clock)
    clock.advance(hours=3)
    assert _not_modified(config, clock, task) == "not_modified"
    db.expire_all()
    article = db.get(Article, article_id)
    assert article.last_checked_at == clock.now() and article.lease_until is None
    policy = config.recheck_policy()
    assert article.next_check_at == policy.next_check(
        quiet_since=article.quiet_since, now=clock.now()
    )
    assert article.etag == '"v1"'  # a 304 without validators keeps the stored ones
    assert db.scalar(select(Check.outcome)) == "not_modified"


def test_an_article_frozen_after_its_claim_stays_frozen(config, clock, db):
    article_id = _article(config, clock)
    task = _claim(config, clock)
    with transaction(ensure_schema(config.database_url)) as s:  # the sweep, meanwhile
        s.execute(update(Article).where(Article.id == article_id).values(status="frozen"))
    assert _not_modified(config, clock, task) == "skipped"
    db.expire_all()
    assert db.get(Article, article_id).status == "frozen"
    assert db.scalar(select(func.count()).select_from(Check)) == 0


def test_a_gone_article_that_answers_again_is_back(config, clock, db):
    article_id = _article(config, clock)
    with transaction(ensure_schema(config.database_url)) as s:
        s.execute(update(Article).where(Article.id == article_id).values(status="gone"))
    task = _claim(config, clock)
    assert _not_modified(config, clock, task) == "not_modified"
    db.expire_all()
    assert db.get(Article, article_id).status == "active"


def test_a_schedule_restarted_after_the_claim_is_counted_from_its_new_start(config, clock, db):
    article_id = _article(config, clock)
    task = _claim(config, clock)
    clock.advance(days=10)
    restarted = clock.now() - timedelta(minutes=5)  # another writer stored a version
    with transaction(ensure_schema(config.database_url)) as s:
        s.execute(update(Article).where(Article.id == article_id).values(quiet_since=restarted))
    assert _not_modified(config, clock, task) == "not_modified"
    db.expire_all()
    policy = config.recheck_policy()
    expected = policy.next_check(quiet_since=restarted, now=clock.now())
    assert db.get(Article, article_id).next_check_at == expected

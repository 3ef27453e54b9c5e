"""The quiet path (a 304, the stored bytes again, or the stored text again) writes on
the footing its claim read; when the row has moved on meanwhile, the full path decides
instead."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from newsmon.core.fingerprint import content_hash, normalize_text, normalize_title
from newsmon.crawl.claims import ClaimRequest, claim_articles
from newsmon.extract.page import Extracted
from newsmon.record.article_urls import claim_url
from newsmon.record.check import record_page
from newsmon.record.items import ArticleTask, PageItem
from newsmon.record.reading import Reading
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Article, ArticleUrl, Check, Source, Version


def _article(config, clock) -> int:
    now = clock.now()
    with transaction(ensure_schema(config.database_url)) as s:
        source = Source(
            slug="quiet", name="quiet", homepage="https://quiet.example/", enabled=True,
            created_at=now,
        )  # fmt: skip
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
            now=now, until=now + timedelta(minutes=10), limit=10, per_host=10, busy={}
        )
        (task,) = claim_articles(s, request)
    return task


def _checked_now(config, clock, db, article_id: int) -> Article:
    """The article as a check now leaves it: checked, lease freed, next check scheduled."""
    db.expire_all()
    article = db.get(Article, article_id)
    assert article.last_checked_at == clock.now() and article.lease_until is None
    policy = config.recheck_policy()
    assert article.next_check_at == policy.next_check(
        quiet_since=article.quiet_since, now=clock.now()
    )
    return article


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
    article = _checked_now(config, clock, db, article_id)
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


def _same_text(config, clock, task: ArticleTask, canonical: str | None = None) -> str:
    """New bytes (the boilerplate moved) whose extracted text is the stored version's."""
    item = PageItem(task=task, fetched_at=clock.now(), url=task.url, status=200)
    item.body = b"<html>new bytes</html>"
    extracted = Extracted(
        title="Quiet", byline=None, text="Quiet text.", extractor="x", canonical_url=canonical
    )
    item.reading = Reading("raw-2", extracted)
    with transaction(ensure_schema(config.database_url)) as s:
        return record_page(s, item=item, policy=config.recheck_policy())


def _stored_as_extracted(config, article_id: int) -> str:
    digest = content_hash(normalize_title("Quiet"), normalize_text("Quiet text."))
    with transaction(ensure_schema(config.database_url)) as s:
        s.execute(
            update(Version).where(Version.article_id == article_id).values(content_hash=digest)
        )
    return digest


def test_new_bytes_with_the_stored_text_are_one_unchanged_check(config, clock, db):
    article_id = _article(config, clock)
    digest = _stored_as_extracted(config, article_id)
    task = _claim(config, clock)
    clock.advance(hours=3)
    assert _same_text(config, clock, task) == "unchanged"
    article = _checked_now(config, clock, db, article_id)
    assert article.last_raw_hash == "raw-2"  # the next identical bytes skip extraction
    assert db.scalar(select(Check.content_hash)) == digest
    assert db.scalar(select(func.count()).select_from(Version)) == 1


def test_a_page_naming_another_url_for_itself_is_decided_by_the_full_path(config, clock, db):
    article_id = _article(config, clock)
    _stored_as_extracted(config, article_id)
    task = _claim(config, clock)
    canonical = "https://quiet.example/story-renamed"
    assert _same_text(config, clock, task, canonical=canonical) == "unchanged"
    db.expire_all()
    assert db.get(Article, article_id).url == canonical


def test_an_article_moved_after_its_claim_is_decided_by_the_full_path(config, clock, db):
    article_id = _article(config, clock)
    _stored_as_extracted(config, article_id)
    task = _claim(config, clock)
    with transaction(ensure_schema(config.database_url)) as s:  # another crawl, meanwhile
        moved = "https://quiet.example/story-moved"
        s.execute(update(Article).where(Article.id == article_id).values(url=moved))
    # The page still names the URL the claim read: the full path files it back there.
    assert _same_text(config, clock, task, canonical=task.url) == "unchanged"
    db.expire_all()
    assert db.get(Article, article_id).url == task.url


def test_an_unchanged_page_cannot_file_itself_under_another_sources_article(config, clock, db):
    """A hostile page keeps its text and names, as its canonical, a story of another
    source on the same site: the full path refuses, and neither article is touched."""
    article_id = _article(config, clock)
    _stored_as_extracted(config, article_id)
    victim = "https://quiet.example/their-story"
    with transaction(ensure_schema(config.database_url)) as s:
        other = Source(slug="other", name="other", enabled=True, created_at=clock.now())
        s.add(other)
        s.flush()
        s.add(
            Article(
                source_id=other.id, url=victim, first_seen_at=clock.now(), status="active",
                quiet_since=clock.now(), next_check_at=clock.now() + timedelta(days=30),
                version_count=0, consecutive_errors=0, consecutive_missing=0,
            )
        )  # fmt: skip
        s.flush()
        victim_id = s.scalar(select(Article.id).where(Article.url == victim))
        claim_url(s, victim, victim_id)
    task = _claim(config, clock)
    assert _same_text(config, clock, task, canonical=victim) == "unchanged"
    db.expire_all()
    assert db.get(Article, article_id).url == task.url
    assert "another source" in db.scalar(select(Check.detail))
    assert db.scalar(select(func.count()).select_from(Version)) == 1
    assert db.scalar(select(ArticleUrl.article_id).where(ArticleUrl.url == victim)) == victim_id

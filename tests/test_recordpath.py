"""One record path: the record decides what a page is to be read as and what its check
means (newsmon.record.reading, newsmon.record.check), in the outcomes the database allows."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from newsmon.core.outcomes import ArticleStatus, CheckOutcome, EventKind
from newsmon.extract.page import Extracted
from newsmon.record.changes import latest_version, measure
from newsmon.record.check import record_page
from newsmon.record.items import ArticleTask, PageItem
from newsmon.record.reading import Reading, plan_reading, raw_key
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Article, ArticleEvent, Check, Source

BODY = b"<html><h1>Storm</h1><p>The storm hit the coast.</p></html>"


def _task(**kwargs) -> ArticleTask:
    return ArticleTask(article_id=1, url="https://example.org/storm", **kwargs)


def test_the_very_bytes_under_the_same_extractor_are_not_read_again() -> None:
    key = raw_key(BODY, "x1", "utf-8")
    plan = plan_reading(_task(last_raw_key=key, latest_extractor="x1"), BODY, "utf-8", "x1")
    assert (plan.raw_key, plan.extract, plan.reread) == (key, False, False)
    # The same bytes declared in another charset are other text: read them.
    assert plan_reading(_task(last_raw_key=key), BODY, "latin-1", "x1").extract


def test_an_upgraded_extractor_rereads_the_stored_page_unless_the_fetch_method_changed() -> None:
    upgraded = plan_reading(_task(latest_extractor="x1"), BODY, "utf-8", "x2")
    assert upgraded.extract and upgraded.reread
    first = plan_reading(_task(), BODY, "utf-8", "x2")  # no version yet: nothing to re-read
    assert first.extract and not first.reread
    # A page once fetched over HTTP cannot be rendered in a browser from the store.
    browser = plan_reading(_task(latest_extractor="x1"), BODY, "utf-8", "x1+browser")
    assert browser.extract and not browser.reread


def _source_and_article(config, clock) -> ArticleTask:
    with transaction(ensure_schema(config.database_url)) as s:
        source = Source(slug="storm", name="Storm", enabled=True, created_at=clock.now())
        s.add(source)
        s.flush()
        article = Article(
            source_id=source.id, url="https://example.org/storm", first_seen_at=clock.now(),
            quiet_since=clock.now(), next_check_at=clock.now(), version_count=0,
            consecutive_errors=0, consecutive_missing=0,
        )  # fmt: skip
        s.add(article)
        s.flush()
        return ArticleTask(
            article_id=article.id, url=article.url, source_id=source.id,
            status=ArticleStatus.ACTIVE, quiet_since=clock.now(),
        )  # fmt: skip


def _check(config, clock, task: ArticleTask, text: str, base=None) -> CheckOutcome:
    extracted = Extracted(title="Storm", byline=None, text=text, extractor="x1")
    item = PageItem(task=task, fetched_at=clock.now(), url=task.url, status=200, body=BODY)
    item.reading = Reading(raw_key(text.encode(), "x1", None), extracted)
    assert item.reading.text is not None
    title, stored, digest = item.reading.text
    change = measure(base, title, stored, digest)
    with transaction(ensure_schema(config.database_url)) as s:
        return record_page(s, item=item, policy=config.recheck_policy(), change=change)


def test_a_new_articles_first_version_is_captured_and_an_edit_is_changed(config, clock, db):
    """The record says which check captured a story and which saw it change; the check
    rows keep saying `changed` for both, as they always have."""
    task = _source_and_article(config, clock)
    first = _check(config, clock, task, "The storm hit the coast.")
    assert first is CheckOutcome.CAPTURED and first == "captured"
    clock.advance(hours=1)
    with transaction(ensure_schema(config.database_url)) as s:
        base = latest_version(s, task.article_id)
    edited = _check(config, clock, task, "The storm hit the coast at night.", base)
    assert edited is CheckOutcome.CHANGED
    db.expire_all()
    assert list(db.scalars(select(Check.outcome).order_by(Check.id))) == ["changed", "changed"]


def test_the_database_allows_every_stored_outcome_and_no_other(config, clock, db):
    task = _source_and_article(config, clock)
    stored = {o.stored for o in CheckOutcome} - {None}
    assert {o.value for o in stored} == {
        "changed", "unchanged", "not_modified", "error", "gone", "flapping"
    }  # fmt: skip
    with transaction(ensure_schema(config.database_url)) as s:
        for outcome in stored:
            s.add(Check(article_id=task.article_id, at=clock.now(), outcome=outcome))
        for kind in EventKind:
            s.add(ArticleEvent(article_id=task.article_id, kind=kind, at=clock.now()))
    db.expire_all()
    assert set(db.scalars(select(Check.outcome))) == {o.value for o in stored}
    for outcome in (CheckOutcome.CAPTURED, CheckOutcome.SKIPPED):  # never a row of their own
        engine = ensure_schema(config.database_url)
        with pytest.raises(IntegrityError), transaction(engine) as s:
            s.add(Check(article_id=task.article_id, at=clock.now(), outcome=outcome))

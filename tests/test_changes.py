"""A new version's change is measured off the database's writer thread: a hostile page
whose one huge paragraph changes a word per check never holds up other sources' checks."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, func, select

from newsmon.crawl.service import CrawlService
from newsmon.record.changes import StaleChange
from newsmon.storage.batchwriter import BatchWriter
from newsmon.storage.db import ensure_schema, shared_engine
from newsmon.storage.models import Article, Check, Source, Version
from tests.newssite import Story, story

EPIC_WORDS = 12_000  # about 84 KB: far under the page cap


def prose(words: int, seed: int = 12) -> list[str]:
    """News-like words: common words four times in ten, made-up names and terms between."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(4000)]
    common = ["the", "a", "of", "to", "and", "in", "said", "was", "on", "for"]
    return [rng.choice(common) if rng.random() < 0.4 else rng.choice(vocab) for _ in range(words)]


class ReadGate:
    """Holds every read of one article's stored version text (what a diff is made from)
    until released: the moment a new version's change is being measured."""

    def __init__(self, engine, article_id: int) -> None:
        self.engine, self.article_id = engine, article_id
        self.entered, self.released = threading.Event(), threading.Event()
        event.listen(engine, "before_cursor_execute", self._hold)

    def _hold(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if "versions.text" not in statement or "FROM versions" not in statement:
            return
        values = list(parameters.values()) if isinstance(parameters, dict) else list(parameters)
        if values and values[0] == self.article_id and not self.released.is_set():
            self.entered.set()
            self.released.wait(120)  # a safety net: a held writer would otherwise hang the test

    def close(self) -> None:
        """Let reads through; the listener stays (removing it races with the threads that
        run it) and goes with the test's engine."""
        self.released.set()


@pytest.fixture
def service(config, clock, reactor) -> Iterator[CrawlService]:
    """`newsmon run`'s continuous crawl on the shared reactor, stopped at the end."""
    service = CrawlService(config, clock)
    crawl = asyncio.run_coroutine_threadsafe(service.run_continuously(), reactor.loop)
    yield service
    reactor.run(service.stop)
    crawl.result(120)


def by_source(db, slug: str, what) -> list[int]:
    """Per article of the source, in id order: how many checks or versions it has."""
    db.expire_all()
    counted = (
        select(func.count(what.id))
        .select_from(Article)
        .join(Source, Source.id == Article.source_id)
        .outerjoin(what, what.article_id == Article.id)
        .where(Source.slug == slug)
        .group_by(Article.id)
        .order_by(Article.id)
    )
    return list(db.scalars(counted))


def test_a_huge_paragraph_edited_word_by_word_never_holds_up_other_sources(
    site, config, clock, add_feed, db, service
):
    words = prose(EPIC_WORDS)
    site.publish(Story(slug="epic", title="The longest paragraph", paragraphs=[" ".join(words)]))
    steady = [f"steady-{i}" for i in range(4)]
    latecomers = [f"late-{i}" for i in range(4)]
    for slug in steady + latecomers:
        site.publish(story(slug, n=3))
    add_feed("epic", site.url("/feeds/rss.xml?slugs=epic"))
    add_feed("steady", site.url("/feeds/rss.xml?slugs=" + ",".join(steady)))
    assert site.wait_for(
        lambda: (
            by_source(db, "epic", Version) == [1] and by_source(db, "steady", Version) == [1] * 4
        ),
        60,
    )
    epic_id = db.scalar(select(Article.id).join(Source).where(Source.slug == "epic"))
    gate = ReadGate(shared_engine(config.database_url), epic_id)
    try:
        words[EPIC_WORDS // 2] = "amended"
        site.edit("epic", paragraphs=[" ".join(words)])
        clock.advance(minutes=20)  # every article falls due again
        assert gate.entered.wait(60)  # the epic's new version is being measured
        # Meanwhile a source is added and all its articles are captured, and the steady
        # source's articles get their checks: the writer and the write lock are free.
        add_feed("late", site.url("/feeds/rss.xml?slugs=" + ",".join(latecomers)))
        assert site.wait_for(
            lambda: (
                by_source(db, "late", Version) == [1] * 4
                and by_source(db, "steady", Check) == [2] * 4
            ),
            60,
        )
        assert by_source(db, "epic", Version) == [1]  # still held
    finally:
        gate.close()
    assert site.wait_for(lambda: by_source(db, "epic", Version) == [2], 60)
    words[EPIC_WORDS // 3] = "revised"  # the next check finds the next one-word edit
    site.edit("epic", paragraphs=[" ".join(words)])
    clock.advance(minutes=20)
    assert site.wait_for(
        lambda: (
            by_source(db, "epic", Version) == [3]
            and by_source(db, "steady", Check) == [3] * 4
            and by_source(db, "late", Check) == [2] * 4
        ),
        60,
    )
    db.expire_all()
    first, second = db.scalars(
        select(Version)
        .where(Version.article_id == epic_id, Version.number > 0)
        .order_by(Version.number)
    )
    assert (first.words_added, first.words_removed) == (1, 1)
    assert (first.added_text, first.removed_text) == ("amended", prose(EPIC_WORDS)[EPIC_WORDS // 2])
    assert (second.words_added, second.words_removed) == (1, 1)
    assert second.added_text == "revised" and first.change_class == second.change_class == "edit"
    marked = [(op, text) for op, text in second.summary[0]["spans"] if op != "equal"]
    assert marked == [("delete", prose(EPIC_WORDS)[EPIC_WORDS // 3]), ("insert", "revised")]


def test_a_write_that_declines_on_a_stale_change_fails_alone_and_its_batch_commits_once(
    config, clock, db
):
    """The writer never measures a change: a stale one is declined, and only that job goes
    back to be measured again; the others of its batch are written together."""
    engine = ensure_schema(config.database_url)
    commits: list[object] = []
    event.listen(engine, "commit", commits.append)
    executor = ThreadPoolExecutor(1)
    writer = BatchWriter(engine, executor)
    gate = threading.Event()
    executor.submit(gate.wait, 60)  # the writer's thread is busy until all three are queued

    def add(session, *, slug: str) -> str:
        session.add(Source(slug=slug, name=slug, enabled=True, created_at=clock.now()))
        session.flush()
        if slug == "stale":
            raise StaleChange(7)
        return slug

    async def together() -> list[object]:
        jobs = [asyncio.ensure_future(writer.run(add, slug=s)) for s in ("first", "stale", "last")]
        await asyncio.sleep(0)  # each job runs to its wait: all three are handed over
        gate.set()  # (on a busy machine the writer took the first alone before the others came)
        return await asyncio.gather(*jobs, return_exceptions=True)

    first, stale, last = asyncio.run(together())
    assert (first, last) == ("first", "last") and isinstance(stale, StaleChange)
    assert sorted(db.scalars(select(Source.slug))) == ["first", "last"]
    assert len(commits) == 1

"""Claims: which crawler fetches which due feed or article, as leases in the database.

A claim sets `lease_until` with one conditional UPDATE that only succeeds on rows
whose lease is free, so two crawler processes never hold the same row: on SQLite
the statement runs under the database's single write lock; on PostgreSQL the
candidate rows are also locked with `FOR UPDATE SKIP LOCKED`, so concurrent
claimers pass over each other's rows instead of waiting. A crawler that dies
leaves leases that simply run out; another takes the work over then.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    Select,
    Update,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from newsmon.record.items import ArticleTask, FeedTask
from newsmon.storage.db import rowcount
from newsmon.storage.due import (
    CHECKED_STATUSES,
    article_due,
    article_unchecked_due,
    feed_claimable,
    feed_due,
)
from newsmon.storage.due import lease_free as _lease_free
from newsmon.storage.models import Article, CrawlerHeartbeat, Feed, Source, Version

DEAD_AFTER = timedelta(minutes=3)  # a crawler silent this long has died; its claims are freed
SCAN_WINDOWS = 4  # candidate windows read per claim before giving up on busy sites

LeasedModel = type[Article] | type[Feed]  # the tables whose rows are claimed


@dataclass(frozen=True)
class ClaimRequest:
    """How much work a crawler wants now, and which hosts already have enough of its work."""

    now: datetime
    until: datetime
    limit: int
    per_host: int
    busy: Mapping[str, int]  # host (newsmon.core.hosts) -> tasks on that host this crawler holds
    after_id: int | None = None  # `--all`: claim every row past this id, due or not
    owner: int | None = None  # the claiming crawler's heartbeat row
    checked_before: datetime | None = None  # `--all`: skip rows checked after this


def _pick(
    rows: Iterable[tuple[int, str]], request: ClaimRequest, counts: dict[str, int]
) -> list[int]:
    """Take rows in order, at most `per_host` in flight per host, `limit` in all."""
    picked: list[int] = []
    for row_id, host in rows:
        if len(picked) >= request.limit:
            break
        if counts.get(host, 0) >= request.per_host:
            continue
        counts[host] = counts.get(host, 0) + 1
        picked.append(row_id)
    return picked


def _saturated(request: ClaimRequest) -> list[str]:
    return [host for host, n in request.busy.items() if n >= request.per_host]


def _article_windows(session: Session, request: ClaimRequest) -> Iterable[list[tuple[int, str]]]:
    """Candidate (id, host) rows, most overdue first, one window at a time."""
    window = max(request.limit * 4, 64)
    saturated = _saturated(request)
    free = _lease_free(Article.lease_until, request.now)
    if request.after_id is not None:
        # `--all` walks the table by id behind a cursor: no row may be passed over, so
        # no host is set aside here (claim_articles takes these rows in order, uncapped).
        after = request.after_id
        for _ in range(SCAN_WINDOWS):
            query: Select = (
                select(Article.id, Article.host)
                .where(Article.status == "active", free, Article.id > after)
                .order_by(Article.id)
            )
            if request.checked_before is not None:
                query = query.where(
                    or_(
                        Article.last_checked_at.is_(None),
                        Article.last_checked_at <= request.checked_before,
                    )
                )
            rows: list[Any] = list(session.execute(_windowed(query, False), {"b_window": window}))
            if not rows:
                return
            yield rows
            after = rows[-1][0]
        return
    # Articles never fetched first, before any overdue recheck: a first version is the
    # evidence every later edit is compared with, and a backlog of rechecks (a node near
    # its capacity, a new source of thousands of stories) must not hold it back.
    connection = _claim_connection(session)
    values: dict[str, Any] = {"b_now": request.now, "b_window": window}
    if saturated:
        values["b_saturated"] = saturated
    rows = list(connection.execute(_unchecked_window(bool(saturated)), values))
    if rows:
        yield rows
    # Then one index range per state, each in due order, merged: `status IN (...)` would
    # sort every overdue row before the limit applies. A state whose window came back
    # short has no candidates left: it is not asked again.
    cursor: dict[str, tuple[datetime, int] | None] = dict.fromkeys(CHECKED_STATUSES)
    for _ in range(SCAN_WINDOWS):
        merged: list[tuple[datetime, int, str]] = []
        for status, last in list(cursor.items()):
            query = _due_window(last is not None, bool(saturated))
            past = {"b_after_at": last[0], "b_after_id": last[1]} if last is not None else {}
            rows = list(connection.execute(query, {**values, "b_status": status, **past}))
            if len(rows) < window:
                del cursor[status]
            else:
                cursor[status] = (rows[-1][0], rows[-1][1])
            merged.extend(rows)
        if merged:
            yield [(row_id, host) for _, row_id, host in sorted(merged)]
        if not cursor:
            return


def _claim_connection(session: Session) -> Connection:
    """The session's connection, after flushing what the session holds (as
    session.execute would): claims run prebuilt Core statements on it."""
    session.flush()
    return session.connection()


def _windowed(query: Select, saturated: bool) -> Select:
    """One window of candidates, its values bound (b_saturated, b_window): hosts whose
    window is full are left out in SQL, so one huge host's overdue rows cannot fill every
    window and starve the other hosts; rows of paused sources are never candidates."""
    if saturated:
        query = query.where(Article.host.not_in(bindparam("b_saturated", expanding=True)))
    paused = select(Source.id).where(Source.enabled.is_(False))
    query = query.where(Article.source_id.not_in(paused))
    return query.limit(bindparam("b_window")).with_for_update(skip_locked=True)


@functools.cache
def _unchecked_window(saturated: bool) -> Select:
    """Built once per shape: building a statement per claim cost more than running it.
    Bound: b_now, and `_windowed`'s."""
    query = (
        select(Article.id, Article.host)
        .where(article_unchecked_due(bindparam("b_now")))
        .order_by(Article.next_check_at, Article.id)
    )
    return _windowed(query, saturated)


@functools.cache
def _due_window(after: bool, saturated: bool) -> Select:
    """One state's due rows in due order, past the cursor (b_after_at, b_after_id) when
    `after`. Bound: b_now, b_status, and `_windowed`'s."""
    query = select(Article.next_check_at, Article.id, Article.host).where(
        article_due(bindparam("b_now"), bindparam("b_status"))
    )
    if after:
        at: BindParameter[datetime] = bindparam("b_after_at")
        query = query.where(
            or_(
                Article.next_check_at > at,
                and_(Article.next_check_at == at, Article.id > bindparam("b_after_id")),
            )
        )
    return _windowed(query.order_by(Article.next_check_at, Article.id), saturated)


def _lease(
    session: Session, model: LeasedModel, ids: list[int], request: ClaimRequest
) -> list[int]:
    """The conditional UPDATE that makes a claim atomic; returns the ids actually leased."""
    if not ids:
        return []
    values = {"b_ids": ids, "b_now": request.now, "b_until": request.until}
    result = _claim_connection(session).execute(
        _lease_update(model), {**values, "b_owner": request.owner}
    )
    return [row[0] for row in result]


@functools.cache
def _lease_update(model: LeasedModel) -> Update:
    """Built once per table. Bound: b_ids, b_now, b_until, b_owner (bound names may not be
    column names)."""
    return (
        update(model)
        .where(
            model.id.in_(bindparam("b_ids", expanding=True)),
            _lease_free(model.lease_until, bindparam("b_now")),
        )
        .values(lease_until=bindparam("b_until"), lease_owner=bindparam("b_owner"))
        .returning(model.id)
    )


def claim_articles(session: Session, request: ClaimRequest) -> list[ArticleTask]:
    """Lease up to `limit` due articles (most overdue first), fairly across hosts."""
    counts = dict(request.busy)
    picked: list[int] = []
    for rows in _article_windows(session, request):
        if request.after_id is not None:  # a cursor walk: in order, nothing skipped
            picked.extend(row_id for row_id, _ in rows[: request.limit - len(picked)])
        else:
            wanted = ClaimRequest(**{**request.__dict__, "limit": request.limit - len(picked)})
            taken = set(picked)  # an unfetched article is in its state's window again
            picked.extend(_pick([r for r in rows if r[0] not in taken], wanted, counts))
        if len(picked) >= request.limit:
            break
    leased = _lease(session, Article, picked, request)
    return article_tasks(session, leased)


def article_tasks(session: Session, ids: Collection[int]) -> list[ArticleTask]:
    """What the spider needs to check each article, in the order of `ids`."""
    if not ids:
        return []
    found = {}
    for a in _claim_connection(session).execute(_task_query(), {"b_ids": list(ids)}):
        found[a.id] = ArticleTask(
            article_id=a.id,
            url=a.url,
            etag=a.etag,
            last_modified=a.last_modified,
            last_raw_key=a.last_raw_hash,
            story_anchor=a.story_anchor,
            latest_hash=a.content_hash,
            latest_extractor=a.extractor,
            source_id=a.source_id,
            status=a.status,
            quiet_since=a.quiet_since,
        )
    return [found[i] for i in ids if i in found]


@functools.cache
def _task_query() -> Select:
    """Each article of b_ids with its latest version's hash and extractor (none yet: NULL),
    in one statement built once."""
    latest = and_(Version.article_id == Article.id, Version.number == Article.version_count - 1)
    return (
        select(
            Article.id,
            Article.source_id,
            Article.url,
            Article.etag,
            Article.last_modified,
            Article.last_raw_hash,
            Article.story_anchor,
            Article.status,
            Article.quiet_since,
            Version.content_hash,
            Version.extractor,
        )
        .outerjoin(Version, latest)
        .where(Article.id.in_(bindparam("b_ids", expanding=True)))
    )


def claim_feeds(session: Session, request: ClaimRequest) -> list[FeedTask]:
    """Lease up to `limit` due unpaused feeds of enabled sources, most overdue first."""
    if request.after_id is not None:
        query = select(*_FEED_TASK).join(Source)
        query = query.where(feed_claimable(request.now), Feed.id > request.after_id)
        query = query.order_by(Feed.id)
        if request.checked_before is not None:
            query = query.where(
                or_(Feed.last_polled_at.is_(None), Feed.last_polled_at <= request.checked_before)
            )
        query = query.limit(request.limit).with_for_update(skip_locked=True)
        rows = list(session.execute(query))
    else:  # the running service's claim, a few times a second: one prebuilt statement
        values = {"b_now": request.now, "b_limit": request.limit}
        rows = list(_claim_connection(session).execute(_due_feeds(), values))
    if not rows:  # the usual answer: no feed is due
        return []
    leased = set(_lease(session, Feed, [row[0] for row in rows], request))
    return [FeedTask(*row) for row in rows if row[0] in leased]


_FEED_TASK = (Feed.id, Feed.source_id, Feed.url, Feed.etag, Feed.last_modified)


@functools.cache
def _due_feeds() -> Select:
    """Built once. Bound: b_now, b_limit."""
    return (
        select(*_FEED_TASK)
        .join(Source)
        .where(feed_due(bindparam("b_now")))
        .order_by(Feed.next_poll_at, Feed.id)
        .limit(bindparam("b_limit"))
        .with_for_update(skip_locked=True)
    )


def release(
    session: Session, *, articles: Collection[int] = (), feeds: Collection[int] = ()
) -> int:
    """Free claims this crawler holds but will not work on (a shutdown, a crawl that ended)."""
    freed = 0
    pairs: tuple[tuple[LeasedModel, Collection[int]], ...] = ((Article, articles), (Feed, feeds))
    for model, ids in pairs:
        if ids:
            result = session.execute(
                update(model)
                .where(model.id.in_(list(ids)))
                .values(lease_until=None, lease_owner=None)
                .execution_options(synchronize_session=False)
            )
            freed += rowcount(result)
    return freed


def renew(
    session: Session,
    *,
    owner: int,
    until: datetime,
    articles: Collection[int],
    feeds: Collection[int],
) -> None:
    """Extend the leases a live crawler still works on (a page waiting for extraction)."""
    pairs: tuple[tuple[LeasedModel, Collection[int]], ...] = ((Article, articles), (Feed, feeds))
    for model, ids in pairs:
        if ids:
            session.execute(
                update(model)
                .where(model.id.in_(list(ids)), model.lease_owner == owner)
                .values(lease_until=until)
                .execution_options(synchronize_session=False)
            )


def release_orphans(session: Session, *, alive_since: datetime) -> int:
    """Free the claims of crawlers that stopped reporting (killed, or their machine died)."""
    alive = select(CrawlerHeartbeat.id).where(CrawlerHeartbeat.seen_at >= alive_since)
    freed = 0
    models: tuple[LeasedModel, ...] = (Article, Feed)
    for model in models:
        result = session.execute(
            update(model)
            .where(
                model.lease_until.is_not(None),
                or_(model.lease_owner.is_(None), model.lease_owner.not_in(alive)),
            )
            .values(lease_until=None, lease_owner=None)
            .execution_options(synchronize_session=False)
        )
        freed += rowcount(result)
    return freed


def forget_dead_neighbours(
    session: Session, *, host: str, is_running: Callable[[int], bool]
) -> int:
    """Drop the roll-call rows of crawlers on this machine whose process is gone (kill -9),
    so their claims are free at once rather than when they would have gone silent."""
    rows = session.execute(
        select(CrawlerHeartbeat.id, CrawlerHeartbeat.pid).where(CrawlerHeartbeat.host == host[:255])
    ).all()
    dead = [row_id for row_id, pid in rows if not is_running(pid)]
    for crawler_id in dead:  # ids may be reused once the row is gone: free the claims first
        retire_crawler(session, crawler_id=crawler_id)
    return len(dead)


def all_pass_start(session: Session, *, alive_since: datetime) -> datetime | None:
    """When the earliest `--all` pass still running (in any live crawler) began: concurrent
    `--all` passes share it, so what one of them checked the others leave alone."""
    return session.scalar(
        select(func.min(CrawlerHeartbeat.all_pass_since)).where(
            CrawlerHeartbeat.seen_at >= alive_since
        )
    )


def mark_all_pass(session: Session, *, crawler_id: int, since: datetime | None) -> None:
    session.execute(
        update(CrawlerHeartbeat)
        .where(CrawlerHeartbeat.id == crawler_id)
        .values(all_pass_since=since)
    )


def register_crawler(session: Session, *, host: str, pid: int, now: datetime) -> int:
    """A heartbeat row for a starting crawler; its id is the owner of the claims it makes."""
    row = CrawlerHeartbeat(host=host[:255], pid=pid, started_at=now, seen_at=now)
    session.add(row)
    session.flush()
    return row.id


def heartbeat(session: Session, *, crawler_id: int, now: datetime) -> None:
    session.execute(
        update(CrawlerHeartbeat).where(CrawlerHeartbeat.id == crawler_id).values(seen_at=now)
    )


def retire_crawler(session: Session, *, crawler_id: int) -> None:
    """A crawler that stops cleanly frees its claims and leaves the roll call."""
    models: tuple[LeasedModel, ...] = (Article, Feed)
    for model in models:
        session.execute(
            update(model)
            .where(model.lease_owner == crawler_id)
            .values(lease_until=None, lease_owner=None)
            .execution_options(synchronize_session=False)
        )
    session.execute(delete(CrawlerHeartbeat).where(CrawlerHeartbeat.id == crawler_id))

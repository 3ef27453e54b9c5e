"""What crawls write: due work out, discovered articles and checked pages in.

Each public function is one short transaction's worth of work on a session the
caller opened; the caller commits. Versions and the article row that counts
them are always written in the same transaction.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from newsmon.changeclass import change_runs, classify
from newsmon.diff import diff_texts, summarize
from newsmon.feeds import FeedEntry
from newsmon.fingerprint import content_hash, is_flapping, normalize_text, normalize_title
from newsmon.items import ArticleTask, FeedPolled, FeedTask, PageItem
from newsmon.models import (
    Article,
    ArticleEvent,
    ArticleUrl,
    Check,
    Feed,
    Source,
    UTCDateTime,
    Version,
)
from newsmon.policy import FeedPolicy, RecheckPolicy
from newsmon.urls import canonical_or_none

CLAIM_LEASE = timedelta(minutes=10)
MISSING_STATUSES = (404, 410)


@dataclass(frozen=True)
class FeedOutcome:
    """What one feed poll added."""

    new_articles: int
    error: str | None


def due_feeds(session: Session, *, now: datetime, limit: int = 1000) -> list[FeedTask]:
    rows = session.execute(
        select(Feed.id, Feed.source_id, Feed.url, Feed.etag, Feed.last_modified)
        .join(Source)
        .where(Source.enabled.is_(True), Feed.next_poll_at <= now)
        .order_by(Feed.next_poll_at)
        .limit(limit)
    )
    return [FeedTask(*row) for row in rows]


def all_feeds(session: Session) -> list[FeedTask]:
    rows = session.execute(
        select(Feed.id, Feed.source_id, Feed.url, Feed.etag, Feed.last_modified)
        .join(Source)
        .where(Source.enabled.is_(True))
    )
    return [FeedTask(*row) for row in rows]


def article_for_url(session: Session, url: str) -> Article | None:
    """The article known under `url` (any of its known URLs), canonicalised first."""
    canonical = canonical_or_none(url)
    if canonical is None:
        return None
    article_id = session.scalar(select(ArticleUrl.article_id).where(ArticleUrl.url == canonical))
    return session.get(Article, article_id) if article_id else None


def _add_article(session: Session, *, source_id: int, entry: FeedEntry, now: datetime) -> bool:
    known = session.scalar(select(ArticleUrl.article_id).where(ArticleUrl.url == entry.url))
    if known is not None:
        if entry.published_at is not None:  # another feed may date what this one did not
            session.execute(
                update(Article)
                .where(Article.id == known, Article.published_at.is_(None))
                .values(published_at=entry.published_at)
            )
        return False
    article = Article(
        source_id=source_id,
        url=entry.url,
        first_seen_at=now,
        quiet_since=now,
        published_at=entry.published_at,
        title=entry.title,
        status="active",
        next_check_at=now,
        version_count=0,
        consecutive_errors=0,
        consecutive_missing=0,
    )
    session.add(article)
    session.flush()
    session.add(ArticleUrl(url=entry.url, article_id=article.id))
    return True


def record_feed_poll(session: Session, *, result: FeedPolled, policy: FeedPolicy) -> FeedOutcome:
    """Store a feed poll: new articles (due at once), validators, health and next poll."""
    feed = session.get(Feed, result.task.feed_id)
    if feed is None:  # removed while the crawl ran
        return FeedOutcome(0, None)
    now = result.fetched_at
    added = 0
    if result.parsed is not None:
        for entry in result.parsed.entries:
            added += _add_article(session, source_id=feed.source_id, entry=entry, now=now)
        feed.entries_seen = len(result.parsed.entries)
    error = result.error or (result.parsed.error if result.parsed else None)
    usable = result.not_modified or bool(result.parsed and result.parsed.entries)
    feed.consecutive_errors = 0 if usable or error is None else feed.consecutive_errors + 1
    feed.last_error = error
    feed.last_status = result.status
    feed.last_polled_at = now
    if result.etag or result.last_modified or not result.not_modified:
        feed.etag, feed.last_modified = result.etag, result.last_modified
    feed.next_poll_at = policy.next_poll(now=now, consecutive_errors=feed.consecutive_errors)
    feed.lease_until = feed.lease_owner = None
    return FeedOutcome(added, error)


def due_articles(
    session: Session, *, now: datetime, limit: int, everything: bool = False
) -> list[ArticleTask]:
    """Claim the most overdue articles (all active ones with `everything`) for one crawl.

    A claim is a lease: a second crawler process never fetches a claimed article,
    and one whose crawl died is due again when the lease runs out (or at once,
    when `newsmon run` starts and releases the leases it left).
    """
    free = or_(Article.lease_until.is_(None), Article.lease_until < now)
    if everything:
        query = select(Article.id).where(Article.status == "active", free).order_by(Article.id)
        ids = list(session.scalars(query.limit(limit).with_for_update(skip_locked=True)))
    else:
        # One index range per state, each already in due order; merged here. A single
        # `status IN (...)` query would sort every overdue row before applying the limit.
        due: list[tuple[datetime, int]] = []
        for status in ("active", "gone"):
            due.extend(
                session.execute(
                    select(Article.next_check_at, Article.id)
                    .where(Article.status == status, Article.next_check_at <= now, free)
                    .order_by(Article.next_check_at)
                    .limit(limit)
                    .with_for_update(skip_locked=True)  # PostgreSQL: concurrent crawlers
                )
            )
        ids = [article_id for _, article_id in sorted(due)[:limit]]
    if not ids:
        return []
    session.execute(
        update(Article).where(Article.id.in_(ids)).values(lease_until=now + CLAIM_LEASE)
    )
    latest = {
        row.article_id: row
        for row in session.execute(
            select(Version.article_id, Version.content_hash, Version.extractor)
            .join(
                Article,
                and_(Article.id == Version.article_id, Version.number == Article.version_count - 1),
            )
            .where(Article.id.in_(ids))
        )
    }
    tasks = []
    for a in session.execute(
        select(
            Article.id, Article.url, Article.etag, Article.last_modified, Article.last_raw_hash
        ).where(Article.id.in_(ids))
    ):
        v = latest.get(a.id)
        tasks.append(
            ArticleTask(
                article_id=a.id,
                url=a.url,
                etag=a.etag,
                last_modified=a.last_modified,
                last_raw_key=a.last_raw_hash,
                latest_hash=v.content_hash if v else None,
                latest_extractor=v.extractor if v else None,
            )
        )
    order = {article_id: i for i, article_id in enumerate(ids)}
    return sorted(tasks, key=lambda t: order[t.article_id])


def latest_raw_html(session: Session, article_id: int) -> bytes | None:
    blob = session.scalar(
        select(Version.raw_html)
        .where(Version.article_id == article_id)
        .order_by(Version.number.desc())
        .limit(1)
    )
    return zlib.decompress(blob) if blob else None


def _resolve_canonical(session: Session, article: Article, canonical: str | None) -> Article:
    """Make `canonical` the article's URL, or fold the article into the one that owns it.

    An article is folded only while it has no versions: stored evidence is never moved.
    """
    if not canonical or canonical == article.url:
        return article
    owner_id = session.scalar(select(ArticleUrl.article_id).where(ArticleUrl.url == canonical))
    if owner_id is None:
        session.add(ArticleUrl(url=canonical, article_id=article.id))
        article.url = canonical
        return article
    if owner_id == article.id:
        article.url = canonical
        return article
    owner = session.get(Article, owner_id)
    if owner is None or article.version_count > 0:
        return article
    session.execute(
        update(ArticleUrl).where(ArticleUrl.article_id == article.id).values(article_id=owner.id)
    )
    session.delete(article)
    session.flush()
    return owner


def _check(
    session: Session,
    article: Article,
    item: PageItem,
    outcome: str,
    detail: str | None = None,
    digest: str | None = None,
) -> str:
    article.lease_until = article.lease_owner = None
    session.add(
        Check(
            article_id=article.id,
            at=item.fetched_at,
            http_status=item.status,
            outcome=outcome,
            duration_ms=item.duration_ms,
            detail=detail[:2000] if detail else None,
            content_hash=digest,
        )
    )
    item.outcome = outcome
    return outcome


def _schedule(article: Article, policy: RecheckPolicy, now: datetime) -> None:
    article.next_check_at = policy.next_check(quiet_since=article.quiet_since, now=now)


def record_failure(session: Session, *, item: PageItem, policy: RecheckPolicy) -> str:
    """A fetch that gave no usable page: count it, back off, maybe declare the article gone."""
    article = session.get(Article, item.task.article_id)
    if article is None or article.status == "frozen":
        return "skipped"
    now = item.fetched_at
    article.last_checked_at = now
    article.last_status = item.status
    if item.status in MISSING_STATUSES:
        article.consecutive_missing += 1
        if article.consecutive_missing >= policy.gone_after_errors and article.status != "gone":
            article.status, article.gone_at = "gone", now
            session.add(
                ArticleEvent(article_id=article.id, kind="gone", at=now, http_status=item.status)
            )
            article.next_check_at = policy.next_check_after_error(
                quiet_since=article.quiet_since, now=now, consecutive_errors=99
            )
            return _check(session, article, item, "gone", item.error)
    else:
        article.consecutive_missing = 0
    article.consecutive_errors += 1
    article.next_check_at = policy.next_check_after_error(
        quiet_since=article.quiet_since, now=now, consecutive_errors=article.consecutive_errors
    )
    return _check(session, article, item, "error", item.error)


def record_page(
    session: Session, *, item: PageItem, policy: RecheckPolicy, max_flips: int = 2
) -> str:
    """Store one fetched page: a new version if its text changed, else just the check."""
    article = session.get(Article, item.task.article_id)
    if article is None or article.status == "frozen":
        return "skipped"
    article = _resolve_canonical(session, article, canonical_or_none(item.canonical_url))
    if article.status == "frozen":
        return "skipped"
    now = item.fetched_at
    if article.status == "gone":
        article.status, article.gone_at = "active", None
        session.add(
            ArticleEvent(article_id=article.id, kind="back", at=now, http_status=item.status)
        )
    article.last_checked_at, article.last_status = now, item.status
    article.consecutive_errors = article.consecutive_missing = 0
    if item.etag or item.last_modified:
        article.etag, article.last_modified = item.etag, item.last_modified
    _schedule(article, policy, now)
    if item.not_modified:
        return _check(session, article, item, "not_modified")
    if item.same_raw and article.version_count:
        return _check(session, article, item, "unchanged", "same page bytes")
    extracted = item.extracted
    assert extracted is not None
    title, text = normalize_title(extracted.title), normalize_text(extracted.text)
    digest = content_hash(title, text)
    history = list(
        session.scalars(
            select(Version.content_hash)
            .where(Version.article_id == article.id)
            .order_by(Version.number)
        )
    )
    if history and digest in (history[-1], item.baseline_hash):
        article.last_raw_hash = item.raw_key
        detail = None if digest == history[-1] else "same text under the upgraded extractor"
        return _check(session, article, item, "unchanged", detail, digest)
    if is_flapping(history, digest, max_repeats=max_flips):
        return _check(
            session,
            article,
            item,
            "flapping",
            "text flips between the same states; not stored again",
            digest,
        )
    _add_version(session, article, item, title=title, text=text, digest=digest)
    article.last_raw_hash = item.raw_key
    _schedule(article, policy, now)
    return _check(session, article, item, "changed", None, digest)


def _add_version(
    session: Session, article: Article, item: PageItem, *, title: str, text: str, digest: str
) -> None:
    previous = None
    if article.version_count:
        previous = session.scalar(
            select(Version)
            .where(Version.article_id == article.id)
            .order_by(Version.number.desc())
            .limit(1)
        )
    diff = diff_texts(
        previous.title if previous else "", previous.text if previous else "", title, text
    )
    assert item.extracted is not None
    removed, added = change_runs(diff) if previous else ("", "")
    session.add(
        Version(
            article_id=article.id,
            number=article.version_count,
            captured_at=item.fetched_at,
            content_hash=digest,
            title=title,
            byline=item.extracted.byline,
            text=text,
            raw_html=zlib.compress(item.body, 6) if item.body else None,
            raw_hash=item.raw_key,
            extractor=item.extracted.extractor,
            words_added=diff.words_added,
            words_removed=diff.words_removed,
            title_changed=previous is not None and previous.title != title,
            summary=summarize(diff) if previous is not None else None,
            change_class=classify(
                old_title=previous.title, old_text=previous.text, new_title=title, new_text=text
            )
            if previous
            else None,
            removed_text=removed or None,
            added_text=added or None,
        )
    )
    article.version_count += 1
    article.title = title or article.title
    article.last_changed_at = article.quiet_since = item.fetched_at


def freeze_quiet(session: Session, *, now: datetime, policy: RecheckPolicy) -> int:
    """Freeze every active article quiet for the freeze age: one set-based statement."""
    cutoff_quiet = Article.quiet_since <= policy.freeze_cutoff(now)
    session.execute(  # the events first, from the same set the UPDATE below freezes
        insert(ArticleEvent).from_select(
            ["article_id", "kind", "at"],
            select(Article.id, literal("frozen"), literal(now, UTCDateTime())).where(
                Article.status == "active", cutoff_quiet
            ),
        )
    )
    result = session.execute(
        update(Article)
        .where(Article.status == "active", cutoff_quiet)
        .values(status="frozen", frozen_at=now, next_check_at=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Article)
        .where(Article.status == "gone", Article.next_check_at.is_not(None), cutoff_quiet)
        .values(next_check_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def release_leases(session: Session) -> int:
    """Free every claim: for a process that starts and knows no crawl of its own is running."""
    result = session.execute(
        update(Article).where(Article.lease_until.is_not(None)).values(lease_until=None)
    )
    return result.rowcount or 0


def prune_checks(session: Session, *, now: datetime, keep: timedelta) -> int:
    result = session.execute(delete(Check).where(Check.at < now - keep))
    return result.rowcount or 0

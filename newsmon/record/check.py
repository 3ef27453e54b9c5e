"""What a checked page writes: the check, a version when its text changed, its URLs.

The identity rules (newsmon.core.identity) decide which URLs may name the article; the
flip-flop rules (newsmon.core.fingerprint) decide whether new text is stored. Each function
works inside the caller's transaction; the caller commits.
"""

from __future__ import annotations

import functools
import logging
import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Insert, Update, bindparam, insert, select, update
from sqlalchemy.orm import Session

from newsmon.core.fingerprint import (
    content_hash,
    has_settled,
    is_flapping,
    normalize_text,
    normalize_title,
)
from newsmon.core.identity import CanonicalClaim, alias_allowed, decide_canonical
from newsmon.core.urls import canonical_or_none
from newsmon.ledger.chain import AT_CAPTURE, previous_record_hash, seal
from newsmon.record.article_urls import claim_url, owner_of, source_sites
from newsmon.record.articledates import adopt_page_dates
from newsmon.record.changes import Change, StaleChange
from newsmon.record.items import PageItem
from newsmon.record.policy import RecheckPolicy
from newsmon.sources.language import learn_page_language
from newsmon.storage.models import Article, ArticleEvent, ArticleUrl, Check, Version
from newsmon.storage.rawpages import raw_column, store_raw

logger = logging.getLogger(__name__)

MISSING_STATUSES = (404, 410)
SAME_BYTES = "same page bytes"


@dataclass(frozen=True)
class StoredPage:
    """The raw page behind an article's latest version, and the encoding it was read with."""

    body: bytes
    encoding: str | None


def latest_raw_page(session: Session, article_id: int) -> StoredPage | None:
    row = session.execute(
        select(raw_column().label("raw"), Version.encoding)
        .where(Version.article_id == article_id)
        .order_by(Version.number.desc())
        .limit(1)
    ).first()
    if row is None or not row.raw:
        return None
    return StoredPage(zlib.decompress(row.raw), row.encoding)


def _resolve_canonical(
    session: Session, article: Article, item: PageItem, digest: str
) -> tuple[Article, str | None]:
    """File the page under its rel=canonical when `decide_canonical` allows it.

    Returns the article the page belongs to (the canonical's owner, when this article
    had no versions and is folded into it) and the reason a canonical was refused.
    """
    assert item.extracted is not None
    canonical = canonical_or_none(item.extracted.canonical_url)
    if not canonical or canonical == article.url:
        return article, None
    owner = owner_of(session, canonical, digest)
    decision = decide_canonical(
        CanonicalClaim(
            page_url=canonical_or_none(item.url) or article.url,
            article_url=article.url,
            canonical=canonical,
            article_id=article.id,
            source_id=article.source_id,
            article_has_versions=article.version_count > 0,
            owner=owner,
            source_sites=source_sites(session, [article.source_id])[article.source_id],
        )
    )
    if decision.url is None:
        logger.info("check %s: %s", article.url, decision.reason)
        return article, decision.reason
    holder = claim_url(session, canonical, article.id)
    if holder == article.id:
        article.url = canonical
        return article, None
    if owner is None or holder != owner.article_id:  # taken by a concurrent crawl: next time
        return article, None
    session.execute(
        update(ArticleUrl).where(ArticleUrl.article_id == article.id).values(article_id=holder)
    )
    session.delete(article)
    session.flush()
    return session.get_one(Article, holder), None


def _record_alias(session: Session, article: Article, item: PageItem) -> None:
    """A redirect's final URL finds the article too, unless another article holds it."""
    final = canonical_or_none(item.url)
    if final and final != article.url and alias_allowed(item.task.url, final):
        claim_url(session, final, article.id)


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
            fetched_url=_fetched_url(item),
            encoding=item.encoding,
        )
    )
    item.outcome = outcome
    return outcome


def _fetched_url(item: PageItem) -> str | None:
    """The URL that answered (after redirects); None when nothing answered at all."""
    return item.url[:2048] if item.status is not None else None


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


def _recent_check_hashes(session: Session, article_id: int, limit: int = 1) -> list[str]:
    """The text hashes the article's latest checks saw, newest first."""
    return list(
        session.scalars(
            select(Check.content_hash)
            .where(Check.article_id == article_id, Check.content_hash.is_not(None))
            .order_by(Check.at.desc(), Check.id.desc())
            .limit(limit)
        )
    )


def _note(*parts: str | None) -> str | None:
    return "; ".join(p for p in parts if p) or None


@functools.cache
def _quiet_update(validators: bool, same_text: bool) -> Update:
    """Built once: a statement made per check costs more than the write itself.
    (Bound names may not be column names, hence the `b_` prefix.) A page whose text
    was compared also records the bytes it was compared from, and holds only while
    the article still has the URL the claim read."""
    values = {
        "last_checked_at": bindparam("b_now"),
        "last_status": bindparam("b_status"),
        "consecutive_errors": 0,
        "consecutive_missing": 0,
        "next_check_at": bindparam("b_next_check_at"),
        "lease_until": None,
        "lease_owner": None,
    }
    if validators:
        values.update(etag=bindparam("b_etag"), last_modified=bindparam("b_last_modified"))
    footing = [
        Article.id == bindparam("b_article_id"),
        Article.status == "active",
        Article.quiet_since == bindparam("b_quiet_since"),
    ]
    if same_text:
        values["last_raw_hash"] = bindparam("b_raw_key")
        footing.append(Article.url == bindparam("b_url"))
    return update(Article).where(*footing).values(values)


@functools.cache
def _check_insert() -> Insert:
    return insert(Check)


def record_quiet_check(
    session: Session, *, item: PageItem, policy: RecheckPolicy, digest: str | None = None
) -> str | None:
    """A 304, the very bytes of the stored version, or new bytes whose text is the stored
    version's (the commonest check of a news page: only its boilerplate moved): one
    UPDATE and one check row.

    Most checks of a quiet article end here, so this path neither loads the article
    nor goes through the session's unit of work: it updates the row on the footing
    the claim read (active, quiet since the same moment, at the same URL). Returns
    None when the row has moved on since the claim (frozen by the sweep, gone, merged,
    a new version) or when the page names another URL for itself, so the caller takes
    the full path. `digest`: the extracted text's hash (`page_text`), when extracted.
    """
    task = item.task
    if task.status != "active" or task.quiet_since is None or task.latest_hash is None:
        return None
    if item.not_modified:
        outcome, detail, digest = "not_modified", None, None
    elif item.same_raw:
        outcome, detail, digest = "unchanged", SAME_BYTES, None
    elif digest == task.latest_hash and _names_only_its_own_url(item):
        outcome, detail = "unchanged", None
    else:
        return None
    now = item.fetched_at
    validators = bool(item.etag or item.last_modified)
    # The session's connection, not session.execute: that would flush pending objects.
    connection = session.connection()
    values = {
        "b_article_id": task.article_id,
        "b_quiet_since": task.quiet_since,
        "b_now": now,
        "b_status": item.status,
        "b_next_check_at": policy.next_check(quiet_since=task.quiet_since, now=now),
        "b_etag": item.etag,
        "b_last_modified": item.last_modified,
        "b_url": task.url,
        "b_raw_key": item.raw_key,
    }
    matched = connection.execute(_quiet_update(validators, digest is not None), values).rowcount
    if matched != 1:
        return None
    connection.execute(
        _check_insert(),
        {
            "article_id": task.article_id,
            "at": now,
            "http_status": item.status,
            "outcome": outcome,
            "duration_ms": item.duration_ms,
            "detail": detail,
            "content_hash": digest,
            "fetched_url": _fetched_url(item),
            "encoding": item.encoding,
        },
    )
    item.outcome = outcome
    return outcome


def _names_only_its_own_url(item: PageItem) -> bool:
    """Nothing on the page or its redirects could file it under another URL (the full
    path decides those)."""
    extracted, url = item.extracted, item.task.url
    if extracted is None or not item.raw_key:
        return False
    if canonical_or_none(extracted.canonical_url) not in (None, url):
        return False
    return canonical_or_none(item.url) in (None, url)


def page_text(item: PageItem) -> tuple[str, str, str]:
    """The extracted title and text as stored, and their content hash (computed once)."""
    assert item.extracted is not None
    if item.stored_text is None:
        title, text = normalize_title(item.extracted.title), normalize_text(item.extracted.text)
        item.stored_text = (title, text, content_hash(title, text))
    return item.stored_text


def record_page(
    session: Session,
    *,
    item: PageItem,
    policy: RecheckPolicy,
    change: Change | None = None,
    max_flips: int = 2,
) -> str:
    """Store one fetched page: a new version if its text changed, else just the check.

    A new version is stored with `change`, measured beforehand against the latest version
    (newsmon.record.changes): nothing is diffed here, on the writer thread, under the write lock.
    Raises `StaleChange` when a version is due and `change` was not measured against the
    latest one (or is missing): the caller measures again and retries.
    """
    page = page_text(item) if item.extracted is not None else None
    quiet = record_quiet_check(session, item=item, policy=policy, digest=page[2] if page else None)
    if quiet is not None:
        return quiet
    article = session.get(Article, item.task.article_id)
    if article is None or article.status == "frozen":
        return "skipped"
    fresh = not item.not_modified and not (item.same_raw and article.version_count)
    refused = title = text = digest = None
    if fresh:
        assert page is not None
        title, text, digest = page
        article, refused = _resolve_canonical(session, article, item, digest)
        if article.status == "frozen":
            return "skipped"
        _record_alias(session, article, item)
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
    if title is None or text is None or digest is None:
        return _check(session, article, item, "unchanged", SAME_BYTES)
    return _store_text(
        session,
        article,
        item,
        policy,
        (title, text, digest),
        refused=refused,
        change=change,
        max_flips=max_flips,
    )


def _store_text(
    session: Session,
    article: Article,
    item: PageItem,
    policy: RecheckPolicy,
    page: tuple[str, str, str],
    *,
    refused: str | None,
    change: Change | None,
    max_flips: int,
) -> str:
    """Compare the page's text with the stored versions: a check, and a version if new."""
    title, text, digest = page
    history = list(
        session.scalars(
            select(Version.content_hash)
            .where(Version.article_id == article.id)
            .order_by(Version.number)
        )
    )
    if history and digest in (history[-1], item.baseline_hash):
        article.last_raw_hash = item.raw_key
        upgraded = None if digest == history[-1] else "same text under the upgraded extractor"
        return _check(session, article, item, "unchanged", _note(upgraded, refused), digest)
    settled = None
    if is_flapping(history, digest, max_repeats=max_flips):
        if not has_settled(_recent_check_hashes(session, article.id), digest):
            flapping = "text flips between the same states; not stored again"
            # No validators: a 304 next time would hide whether the page stays on this text.
            article.etag = article.last_modified = None
            return _check(session, article, item, "flapping", _note(flapping, refused), digest)
        settled = "the page settled on text it had flipped to before"
    latest = history[-1] if history else None
    if change is None or change.base_hash != latest or change.new_hash != digest:
        raise StaleChange(article.id)
    _add_version(session, article, item, title=title, text=text, digest=digest, change=change)
    article.last_raw_hash = item.raw_key
    _schedule(article, policy, item.fetched_at)
    return _check(session, article, item, "changed", _note(settled, refused), digest)


def _change_class(session: Session, article: Article, item: PageItem, change: Change) -> str | None:
    """`method` when the extractor changed and the stored page could not be re-read the
    new way (a rule that does not fit the old page, a switch to or from the browser, no
    stored page): the difference may be newsmon's, so it is not presented as an edit."""
    if change.base_hash is None:
        return None
    assert item.extracted is not None
    if item.baseline_hash is None:
        previous = session.scalar(
            select(Version.extractor)
            .where(Version.article_id == article.id)
            .order_by(Version.number.desc())
            .limit(1)
        )
        if previous != item.extracted.extractor:
            return "method"
    return change.text_class


def _add_version(
    session: Session,
    article: Article,
    item: PageItem,
    *,
    title: str,
    text: str,
    digest: str,
    change: Change,
) -> None:
    assert item.extracted is not None
    version = Version(
        article_id=article.id,
        number=article.version_count,
        captured_at=item.fetched_at,
        content_hash=digest,
        title=title,
        byline=item.extracted.byline,
        text=text,
        raw_page=store_raw(session, item.body, now=item.fetched_at) if item.body else None,
        raw_hash=item.raw_key,
        encoding=item.encoding,
        fetched_url=_fetched_url(item),
        extractor=item.extracted.extractor,
        words_added=change.words_added,
        words_removed=change.words_removed,
        title_changed=change.title_changed,
        summary=change.summary,
        change_class=_change_class(session, article, item, change),
        removed_text=change.removed_text,
        added_text=change.added_text,
    )
    seal(
        version,
        article_url=article.url,
        raw=item.body or None,
        previous=previous_record_hash(session, article),
        when=AT_CAPTURE,
    )
    session.add(version)
    article.version_count += 1
    article.title = title or article.title
    article.last_changed_at = article.quiet_since = item.fetched_at
    adopt_page_dates(article, item.extracted)
    learn_page_language(session, article.source_id, item.extracted.language)

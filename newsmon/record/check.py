"""What a checked page means, and writing it: a quiet check, a new version, or the same
text under an upgraded extractor; the check row always, the page's URLs when allowed.

The one place a check's outcome is decided (newsmon.core.outcomes.CheckOutcome), from
the page's `Reading` (newsmon.record.reading). The identity rules (newsmon.core.identity)
decide which URLs may name the article; the flip-flop rules (newsmon.core.fingerprint)
decide whether new text is stored. Each function works inside the caller's transaction;
the caller commits.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime

from sqlalchemy import Insert, Update, bindparam, insert, select, update
from sqlalchemy.orm import Session

from newsmon.core.fingerprint import has_settled, is_flapping
from newsmon.core.identity import CanonicalClaim, alias_allowed, decide_canonical
from newsmon.core.outcomes import ArticleStatus, ChangeClass, CheckOutcome, EventKind
from newsmon.core.urls import canonical_or_none
from newsmon.ledger.chain import AT_CAPTURE, previous_record_hash, seal
from newsmon.record.article_urls import claim_url, owner_of, source_sites
from newsmon.record.articledates import adopt_page_dates
from newsmon.record.changes import Change, StaleChange
from newsmon.record.items import PageItem
from newsmon.record.policy import RecheckPolicy
from newsmon.record.reading import Reading, StoredText
from newsmon.record.templatechange import class_template_change
from newsmon.sources.language import learn_page_language
from newsmon.storage.models import Article, ArticleEvent, ArticleUrl, Check, Version
from newsmon.storage.rawpages import store_raw

logger = logging.getLogger(__name__)

MISSING_STATUSES = (404, 410)
SAME_BYTES = "same page bytes"
SAME_STORY = "same story region"  # the fast path: the remembered region found unchanged


def _resolve_canonical(
    session: Session, article: Article, item: PageItem, digest: str
) -> tuple[Article, str | None]:
    """File the page under its rel=canonical when `decide_canonical` allows it.

    Returns the article the page belongs to (the canonical's owner, when this article
    had no versions and is folded into it) and the reason a canonical was refused.
    """
    assert item.reading is not None and item.reading.extracted is not None
    canonical = canonical_or_none(item.reading.extracted.canonical_url)
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
    outcome: CheckOutcome,
    detail: str | None = None,
    digest: str | None = None,
) -> CheckOutcome:
    article.lease_until = article.lease_owner = None
    session.add(
        Check(
            article_id=article.id,
            at=item.fetched_at,
            http_status=item.status,
            outcome=outcome.stored,
            duration_ms=item.duration_ms,
            detail=detail[:2000] if detail else None,
            content_hash=digest,
            fetched_url=_fetched_url(item),
            encoding=item.encoding,
            fallback=_fallback(item),
        )
    )
    return outcome


def _fallback(item: PageItem) -> str | None:
    """How this check's extraction fell back, if it extracted and did (source health)."""
    reading = item.reading
    return reading.extracted.fallback if reading is not None and reading.extracted else None


def _fetched_url(item: PageItem) -> str | None:
    """The URL that answered (after redirects); None when nothing answered at all."""
    return item.url[:2048] if item.status is not None else None


def _schedule(article: Article, policy: RecheckPolicy, now: datetime) -> None:
    article.next_check_at = policy.next_check(quiet_since=article.quiet_since, now=now)


def record_failure(session: Session, *, item: PageItem, policy: RecheckPolicy) -> CheckOutcome:
    """A fetch that gave no usable page: count it, back off, maybe declare the article gone."""
    article = session.get(Article, item.task.article_id)
    if article is None or article.status == ArticleStatus.FROZEN:
        return CheckOutcome.SKIPPED
    now = item.fetched_at
    article.last_checked_at = now
    article.last_status = item.status
    if item.status in MISSING_STATUSES:
        article.consecutive_missing += 1
        gone = ArticleStatus.GONE
        if article.consecutive_missing >= policy.gone_after_errors and article.status != gone:
            article.status, article.gone_at = gone, now
            session.add(
                ArticleEvent(
                    article_id=article.id, kind=EventKind.GONE, at=now, http_status=item.status
                )
            )
            article.next_check_at = policy.next_check_after_error(
                quiet_since=article.quiet_since, now=now, consecutive_errors=99
            )
            return _check(session, article, item, CheckOutcome.GONE, item.error)
    else:
        article.consecutive_missing = 0
    article.consecutive_errors += 1
    article.next_check_at = policy.next_check_after_error(
        quiet_since=article.quiet_since, now=now, consecutive_errors=article.consecutive_errors
    )
    return _check(session, article, item, CheckOutcome.ERROR, item.error)


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
    was compared (or found the same by its story region) also records the bytes it was
    compared from and where its story is, and holds only while the article still has
    the URL the claim read."""
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
        Article.status == ArticleStatus.ACTIVE,
        Article.quiet_since == bindparam("b_quiet_since"),
    ]
    if same_text:
        values["last_raw_hash"] = bindparam("b_raw_key")
        values["story_anchor"] = bindparam("b_anchor")
        footing.append(Article.url == bindparam("b_url"))
    return update(Article).where(*footing).values(values)


@functools.cache
def _check_insert() -> Insert:
    return insert(Check)


def record_quiet_check(
    session: Session, *, item: PageItem, policy: RecheckPolicy
) -> CheckOutcome | None:
    """A 304, the very bytes of the stored version, or new bytes whose text is the stored
    version's (the commonest check of a news page: only its boilerplate moved): one
    UPDATE and one check row.

    Most checks of a quiet article end here, so this path neither loads the article
    nor goes through the session's unit of work: it updates the row on the footing
    the claim read (active, quiet since the same moment, at the same URL). Returns
    None when the row has moved on since the claim (frozen by the sweep, gone, merged,
    a new version) or when the page names another URL for itself, so the caller takes
    the full path.
    """
    task, reading = item.task, item.reading
    if task.status != ArticleStatus.ACTIVE or task.quiet_since is None or task.latest_hash is None:
        return None
    digest = None
    if item.not_modified:
        outcome, detail = CheckOutcome.NOT_MODIFIED, None
    elif reading is not None and reading.same_bytes:
        outcome, detail = CheckOutcome.UNCHANGED, SAME_BYTES
    elif reading is not None and reading.fast and _names_only_its_own_url(item, reading):
        outcome, detail, digest = CheckOutcome.UNCHANGED, SAME_STORY, task.latest_hash
    elif (
        reading is not None
        and reading.text is not None
        and reading.text.digest == task.latest_hash
        and _names_only_its_own_url(item, reading)
    ):
        outcome, detail, digest = CheckOutcome.UNCHANGED, None, reading.text.digest
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
        "b_raw_key": reading.raw_key if reading else None,
        "b_anchor": reading.anchor_json if reading else None,
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
            "outcome": outcome.stored,
            "duration_ms": item.duration_ms,
            "detail": detail,
            "content_hash": digest,
            "fetched_url": _fetched_url(item),
            "encoding": item.encoding,
            "fallback": _fallback(item),
        },
    )
    return outcome


def _names_only_its_own_url(item: PageItem, reading: Reading) -> bool:
    """Nothing on the page or its redirects could file it under another URL (the full
    path decides those)."""
    url = item.task.url
    if reading.same_bytes:
        return False
    if canonical_or_none(reading.canonical_url) not in (None, url):
        return False
    return canonical_or_none(item.url) in (None, url)


def record_page(
    session: Session,
    *,
    item: PageItem,
    policy: RecheckPolicy,
    change: Change | None = None,
    max_flips: int = 2,
) -> CheckOutcome:
    """Store one fetched page: a new version if its text changed, else just the check.

    A new version is stored with `change`, measured beforehand against the latest version
    (newsmon.record.changes): nothing is diffed here, on the writer thread, under the write lock.
    Raises `StaleChange` when a version is due and `change` was not measured against the
    latest one (or is missing): the caller measures again and retries.
    """
    quiet = record_quiet_check(session, item=item, policy=policy)
    if quiet is not None:
        return quiet
    article = session.get(Article, item.task.article_id)
    if article is None or article.status == ArticleStatus.FROZEN:
        return CheckOutcome.SKIPPED
    reading = item.reading
    same_story = reading is not None and reading.same_story
    page = None
    refused = None
    if not item.not_modified and not (same_story and article.version_count):
        page = reading.text if reading is not None else None
        assert page is not None
        article, refused = _resolve_canonical(session, article, item, page.digest)
        if article.status == ArticleStatus.FROZEN:
            return CheckOutcome.SKIPPED
        _record_alias(session, article, item)
    now = item.fetched_at
    if article.status == ArticleStatus.GONE:
        article.status, article.gone_at = ArticleStatus.ACTIVE, None
        session.add(
            ArticleEvent(
                article_id=article.id, kind=EventKind.BACK, at=now, http_status=item.status
            )
        )
    article.last_checked_at, article.last_status = now, item.status
    article.consecutive_errors = article.consecutive_missing = 0
    if item.etag or item.last_modified:
        article.etag, article.last_modified = item.etag, item.last_modified
    _schedule(article, policy, now)
    if item.not_modified:
        return _check(session, article, item, CheckOutcome.NOT_MODIFIED)
    if page is None:
        detail = SAME_STORY if reading is not None and reading.fast else SAME_BYTES
        return _check(session, article, item, CheckOutcome.UNCHANGED, detail)
    return _store_text(
        session, article, item, policy, page, refused=refused, change=change, max_flips=max_flips
    )


def _store_text(
    session: Session,
    article: Article,
    item: PageItem,
    policy: RecheckPolicy,
    page: StoredText,
    *,
    refused: str | None,
    change: Change | None,
    max_flips: int,
) -> CheckOutcome:
    """Compare the page's text with the stored versions: a check, and a version if new
    (`captured` when it is the article's first)."""
    assert item.reading is not None
    reading = item.reading
    digest = page.digest
    article.story_anchor = reading.anchor_json  # used only while `digest` is the latest's
    history = list(
        session.scalars(
            select(Version.content_hash)
            .where(Version.article_id == article.id)
            .order_by(Version.number)
        )
    )
    if history and digest in (history[-1], reading.baseline_hash):
        article.last_raw_hash = reading.raw_key
        upgraded = None if digest == history[-1] else "same text under the upgraded extractor"
        return _check(
            session, article, item, CheckOutcome.UNCHANGED, _note(upgraded, refused), digest
        )
    settled = None
    if is_flapping(history, digest, max_repeats=max_flips):
        if not has_settled(_recent_check_hashes(session, article.id), digest):
            flapping = "text flips between the same states; not stored again"
            # No validators: a 304 next time would hide whether the page stays on this text.
            article.etag = article.last_modified = None
            return _check(
                session, article, item, CheckOutcome.FLAPPING, _note(flapping, refused), digest
            )
        settled = "the page settled on text it had flipped to before"
    latest = history[-1] if history else None
    if change is None or change.base_hash != latest or change.new_hash != digest:
        raise StaleChange(article.id)
    _add_version(session, article, item, page, change=change)
    article.last_raw_hash = reading.raw_key
    _schedule(article, policy, item.fetched_at)
    # An article's first version is not a change (stored as `changed`, counted apart).
    outcome = CheckOutcome.CAPTURED if latest is None else CheckOutcome.CHANGED
    return _check(session, article, item, outcome, _note(settled, refused), digest)


def _change_class(
    session: Session, article: Article, reading: Reading, change: Change
) -> ChangeClass | None:
    """`method` when the extractor changed and the stored page could not be re-read the
    new way (a rule that does not fit the old page, a switch to or from the browser, no
    stored page): the difference may be newsmon's, so it is not presented as an edit."""
    if change.base_hash is None:
        return None
    assert reading.extracted is not None
    if reading.baseline_hash is None:
        previous = session.scalar(
            select(Version.extractor)
            .where(Version.article_id == article.id)
            .order_by(Version.number.desc())
            .limit(1)
        )
        if previous != reading.extracted.extractor:
            return ChangeClass.METHOD
    return change.text_class


def _add_version(
    session: Session,
    article: Article,
    item: PageItem,
    page: StoredText,
    *,
    change: Change,
) -> None:
    reading = item.reading
    assert reading is not None and reading.extracted is not None
    extracted = reading.extracted
    title, text, digest = page
    version = Version(
        article_id=article.id,
        number=article.version_count,
        captured_at=item.fetched_at,
        content_hash=digest,
        title=title,
        byline=extracted.byline,
        text=text,
        raw_page=store_raw(session, item.body, now=item.fetched_at) if item.body else None,
        raw_hash=reading.raw_key,
        encoding=item.encoding,
        fetched_url=_fetched_url(item),
        extractor=extracted.extractor,
        words_added=change.words_added,
        words_removed=change.words_removed,
        title_changed=change.title_changed,
        summary=change.summary,
        change_class=_change_class(session, article, reading, change),
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
    class_template_change(session, article, version, now=item.fetched_at)
    article.version_count += 1
    article.title = title or article.title
    article.last_changed_at = article.quiet_since = item.fetched_at
    adopt_page_dates(article, extracted)
    learn_page_language(session, article.source_id, extracted.language)

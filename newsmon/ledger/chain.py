"""Each article's hash chain, written where versions are: sealed at capture, or at upgrade.

A version captured with the ledger in place is sealed in the transaction that stores it
(`seal`), from the values it is stored with and the raw bytes as fetched. Versions stored
before the ledger existed are sealed the first time the ledger runs (`chain_pending`),
from what the database holds then, and say so (`chained = "upgrade"`): that proves they
were not altered after that moment, not after their capture.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsmon.ledger.record import VersionRecord, record_hash
from newsmon.storage.models import Article, Version
from newsmon.storage.rawpages import raw_of

AT_CAPTURE = "capture"
AT_UPGRADE = "upgrade"


def record_of(
    version: Version, *, article_url: str, raw: bytes | None, previous: str | None
) -> VersionRecord:
    """The record of a version's stored values, chained to `previous` (a record hash).

    A raw page thinned by a recorded rule (`raw_thinned_at`) is gone, but the record
    still commits to the digest sealed at capture.
    """
    thinned = version.raw_sha256 if raw is None and version.raw_thinned_at else None
    return VersionRecord.create(
        article_url=article_url,
        fetched_url=version.fetched_url,
        version=version.number,
        captured_at=version.captured_at,
        title=version.title,
        byline=version.byline,
        text=version.text,
        raw=raw,
        extractor=version.extractor,
        previous=bytes.fromhex(previous) if previous else None,
        thinned_raw_sha256=thinned,
    )


def seal(
    version: Version, *, article_url: str, raw: bytes | None, previous: str | None, when: str
) -> None:
    """Give `version` its record hash (chained to `previous`, the record hash before it)."""
    record = record_of(version, article_url=article_url, raw=raw, previous=previous)
    version.record_hash = record_hash(record).hex()
    version.record_url = article_url
    version.raw_sha256 = record.raw_sha256 or None
    version.chained = when


def previous_record_hash(session: Session, article: Article) -> str | None:
    """The record hash of the article's latest version, sealing older ones first if needed."""
    if not article.version_count:
        return None
    chain_article(session, article.id, article.url)
    return session.scalar(
        select(Version.record_hash)
        .where(Version.article_id == article.id)
        .order_by(Version.number.desc())
        .limit(1)
    )


def chain_article(session: Session, article_id: int, article_url: str) -> int:
    """Seal an article's versions stored before the ledger existed, in order; how many."""
    pending = session.scalar(
        select(Version.id)
        .where(
            Version.article_id == article_id,
            Version.record_hash.is_(None),
            Version.chained == AT_UPGRADE,
        )
        .limit(1)
    )
    if pending is None:
        return 0
    previous: str | None = None
    sealed = 0
    for version in session.scalars(
        select(Version).where(Version.article_id == article_id).order_by(Version.number)
    ):
        if version.record_hash is None and version.chained == AT_UPGRADE:
            raw = raw_of(session, version)
            seal(version, article_url=article_url, raw=raw, previous=previous, when=AT_UPGRADE)
            sealed += 1
        previous = version.record_hash
    return sealed


def chain_pending(session: Session) -> int:
    """Seal every article's pre-ledger versions (the first run after the upgrade)."""
    articles = session.execute(
        select(Article.id, Article.url)
        .where(
            Article.id.in_(
                select(Version.article_id).where(
                    Version.record_hash.is_(None), Version.chained == AT_UPGRADE
                )
            )
        )
        .order_by(Article.id)
    ).all()
    return sum(chain_article(session, row.id, row.url) for row in articles)

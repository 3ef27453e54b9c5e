"""`newsmon verify`: recompute everything the ledger committed to and name what differs.

Per version: SHA-256 of the stored text and of the stored raw page (a raw page deleted
by a recorded retention rule is a note, not a failure: the record still commits to its
digest; a raw page missing without that record is a failure), the record hash from
the stored fields, the link to the previous version's record hash, the article URL the
record names (one the article was seen under), numbering without gaps, and its leaf.
Per leaf: a version still exists for it with that record hash. Per checkpoint: the root
of that many leaves, the signature with the given public key, and each timestamp
token's imprint and signature. Rows are streamed, so memory stays flat at any size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from newsmon.ledger.chain import record_of
from newsmon.ledger.checkpoint import verify_checkpoint
from newsmon.ledger.log import checkpoint_of, leaf_hashes
from newsmon.ledger.merkle import root
from newsmon.ledger.record import record_hash, sha256_hex
from newsmon.ledger.timestamp import verify_token
from newsmon.storage.models import (
    Article,
    ArticleUrl,
    LedgerCheckpoint,
    LedgerLeaf,
    Source,
    Version,
)
from newsmon.storage.rawpages import raw_of


@dataclass
class Report:
    """What was checked and every failure found, one sentence each."""

    versions: int = 0
    articles: int = 0
    unchained: int = 0
    leaves: int = 0
    checkpoints: int = 0
    timestamps: int = 0
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fail(self, url: str, number: int | None, what: str) -> None:
        where = f"{url} version {number}" if number is not None else url
        self.failures.append(f"{where}: {what}")


@dataclass(frozen=True)
class Scope:
    """Which articles to check; None checks them all (and the whole log)."""

    source: str | None = None
    url: str | None = None

    @property
    def everything(self) -> bool:
        return self.source is None and self.url is None


def _articles(scope: Scope) -> Select:
    query = select(Article.id, Article.url).order_by(Article.id)
    if scope.source is not None:
        query = query.join(Source).where(Source.slug == scope.source)
    if scope.url is not None:
        aliases = select(ArticleUrl.article_id).where(ArticleUrl.url == scope.url)
        query = query.where((Article.url == scope.url) | Article.id.in_(aliases))
    return query


def _known_urls(session: Session, article_id: int, url: str) -> set[str]:
    aliases = session.scalars(select(ArticleUrl.url).where(ArticleUrl.article_id == article_id))
    return {url, *aliases}


def _raw_page(session: Session, report: Report, version: Version, url: str) -> bytes | None:
    """The stored raw page; a failure when the sealed one is missing or differs, a note
    when a recorded retention rule deleted it."""
    raw = raw_of(session, version)
    n = version.number
    if not version.raw_sha256:
        return raw
    if raw is None and version.raw_thinned_at is not None:
        when = version.raw_thinned_at.isoformat(timespec="seconds")
        report.notes.append(
            f"{url} version {n}: raw page thinned (by rule {version.raw_thinned_by}, {when}); "
            "its sealed digest still stands"
        )
    elif raw is None:
        report.fail(url, n, "the raw page that was sealed is missing, and no rule thinned it")
    elif sha256_hex(raw) != version.raw_sha256:
        report.fail(url, n, "the stored raw page is not the page that was sealed")
    return raw


def _check_version(
    session: Session,
    report: Report,
    version: Version,
    url: str,
    known: set[str],
    previous: str | None,
) -> None:
    n = version.number
    report.versions += 1
    if version.record_hash is None:
        report.fail(url, n, "has no record hash: it was never sealed, or its seal was removed")
        return
    if version.record_url not in known:
        report.fail(url, n, "its record names another article's URL: it was moved here")
    raw = _raw_page(session, report, version, url)
    if previous is None and n:
        report.fail(url, n, "the chain is broken: the version before it is missing")
        return
    try:
        record = record_of(
            version, article_url=version.record_url or url, raw=raw, previous=previous
        )
    except ValueError as exc:
        report.fail(url, n, f"its stored fields cannot form a record ({exc})")
        return
    if record_hash(record).hex() != version.record_hash:
        what = "the stored text, headline, byline or other fields differ from the sealed record"
        report.fail(url, n, what)


def check_versions(session: Session, scope: Scope, report: Report) -> None:
    """Every version of every article in scope, in order, along its chain."""
    for article_id, url in session.execute(_articles(scope)).all():
        known = _known_urls(session, article_id, url)
        previous: str | None = None
        expected = 0
        report.articles += 1
        for version in session.scalars(
            select(Version).where(Version.article_id == article_id).order_by(Version.number)
        ):
            if version.number != expected:
                report.fail(url, expected, "is missing: the versions skip from here")
                previous = None
            _check_version(session, report, version, url, known, previous if expected else None)
            if version.chained == "upgrade":
                report.unchained += 1
            previous, expected = version.record_hash, version.number + 1
            session.expunge(version)


def check_leaves(session: Session, report: Report) -> None:
    """Each leaf's version still exists, sealed with the hash the log holds for it."""
    rows = session.execute(
        select(LedgerLeaf.leaf_index, LedgerLeaf.version_id, LedgerLeaf.record_hash)
        .order_by(LedgerLeaf.leaf_index)
        .execution_options(yield_per=10_000)
    )
    expected = 0
    for index, version_id, leaf_record in rows:
        if index != expected:
            report.failures.append(f"ledger: leaf {expected} is missing")
        expected = index + 1
        report.leaves += 1
        stored = session.execute(
            select(Version.record_hash, Version.number, Article.url)
            .join(Article, Article.id == Version.article_id)
            .where(Version.id == version_id)
        ).first()
        if stored is None:
            report.failures.append(
                f"ledger: leaf {index} names a version that is gone (deleted after it was logged)"
            )
        elif stored.record_hash != leaf_record:
            report.fail(stored.url, stored.number, f"differs from leaf {index} of the log")


def check_checkpoints(session: Session, public: Ed25519PublicKey, report: Report) -> None:
    """Each checkpoint's root from the leaves, its signature, its timestamp tokens."""
    for row in session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.id)):
        report.checkpoints += 1
        checkpoint = checkpoint_of(row)
        where = f"checkpoint {row.id} (size {row.tree_size}, {row.signed_time})"
        if root(leaf_hashes(session, row.tree_size)) != checkpoint.root:
            report.failures.append(f"{where}: its root is not the root of the log's leaves")
        if not verify_checkpoint(checkpoint, public):
            report.failures.append(f"{where}: its signature does not verify with this key")
        digest = checkpoint.timestamp_digest()
        for n, token in enumerate(checkpoint.timestamps, start=1):
            report.timestamps += 1
            for problem in verify_token(token, digest):
                report.failures.append(f"{where}: timestamp {n}: {problem}")


def verify(session: Session, public: Ed25519PublicKey, scope: Scope = Scope()) -> Report:
    """The whole audit, or one source's or article's versions plus the log they are in."""
    report = Report()
    check_versions(session, scope, report)
    check_leaves(session, report)
    check_checkpoints(session, public, report)
    return report


def lines(report: Report) -> Iterator[str]:
    """The report as a person reads it: what was checked, then each failure."""
    yield (
        f"checked {report.versions} versions of {report.articles} articles "
        f"({report.unchained} chained at upgrade, not at capture), {report.leaves} log "
        f"leaves, {report.checkpoints} checkpoints, {report.timestamps} timestamps"
    )
    for note in report.notes:
        yield f"note {note}"
    for failure in report.failures:
        yield f"FAILED {failure}"
    yield "ok" if not report.failures else f"{len(report.failures)} failures"

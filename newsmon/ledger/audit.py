"""`newsmon verify`: recompute everything the ledger committed to and name what differs.

Per version: SHA-256 of the stored text and of the stored raw page (a raw page deleted
by a recorded retention rule is a note, not a failure: the record still commits to its
digest; a raw page missing without that record is a failure), the record hash from
the stored fields, the link to the previous version's record hash, the article URL the
record names (one the article was seen under), numbering without gaps, and its leaf.
Per leaf: a version still exists for it with that record hash. Per checkpoint: the root
of that many leaves, the signature with the given public key, and each timestamp
token's imprint and signature. Rows are streamed as plain columns (one query for the
versions, one join for the leaves, one pass over the log for every checkpoint's root), so
memory stays flat and the audit does not slow down per article at any size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from newsmon.ledger.chain import record_of
from newsmon.ledger.checkpoint import verify_checkpoint
from newsmon.ledger.log import checkpoint_of
from newsmon.ledger.merkle import EMPTY_ROOT, leaf_hash, node_hash
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
from newsmon.storage.rawpages import decompress, raw_column


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


# What the version checks read, as plain columns: one query streams them all.
VERSION_COLUMNS = (
    Version.number,
    Version.captured_at,
    Version.title,
    Version.byline,
    Version.text,
    raw_column().label("raw_blob"),
    Version.raw_thinned_at,
    Version.raw_thinned_by,
    Version.fetched_url,
    Version.extractor,
    Version.record_hash,
    Version.record_url,
    Version.raw_sha256,
    Version.chained,
)
BATCH = 5_000


def _versions(scope: Scope) -> Select:
    """Every article in scope with its versions (none: one row of nulls), in chain order."""
    query = (
        select(Article.id.label("article_id"), Article.url, *VERSION_COLUMNS)
        .outerjoin(Version, Version.article_id == Article.id)
        .order_by(Article.id, Version.number)
    )
    if scope.source is not None:
        query = query.join(Source, Source.id == Article.source_id).where(
            Source.slug == scope.source
        )
    if scope.url is not None:
        aliases = select(ArticleUrl.article_id).where(ArticleUrl.url == scope.url)
        query = query.where((Article.url == scope.url) | Article.id.in_(aliases))
    return query.execution_options(yield_per=BATCH)


def _seen_under(session: Session, article_id: int, url: str, record_url: str | None) -> bool:
    """Whether the record's URL is one the article was seen under (asked only when it is
    not the article's own URL, which is nearly never)."""
    if record_url == url:
        return True
    found = session.scalar(
        select(ArticleUrl.id).where(
            ArticleUrl.article_id == article_id, ArticleUrl.url == record_url
        )
    )
    return found is not None


def _raw_page(report: Report, version: Row[Any], url: str) -> bytes | None:
    """The stored raw page; a failure when the sealed one is missing or differs, a note
    when a recorded retention rule deleted it."""
    raw = decompress(version.raw_blob)
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
    session: Session, report: Report, version: Row[Any], previous: str | None
) -> None:
    url, n = version.url, version.number
    report.versions += 1
    if version.record_hash is None:
        report.fail(url, n, "has no record hash: it was never sealed, or its seal was removed")
        return
    if not _seen_under(session, version.article_id, url, version.record_url):
        report.fail(url, n, "its record names another article's URL: it was moved here")
    raw = _raw_page(report, version, url)
    if previous is None and n:
        report.fail(url, n, "the chain is broken: the version before it is missing")
        return
    try:
        record = record_of(
            version,  # type: ignore[arg-type]  # a row with the Version columns record_of reads
            article_url=version.record_url or url,
            raw=raw,
            previous=previous,
        )
    except ValueError as exc:
        report.fail(url, n, f"its stored fields cannot form a record ({exc})")
        return
    if record_hash(record).hex() != version.record_hash:
        what = "the stored text, headline, byline or other fields differ from the sealed record"
        report.fail(url, n, what)


def check_versions(session: Session, scope: Scope, report: Report) -> None:
    """Every version of every article in scope, in order, along its chain."""
    article_id: int | None = None
    previous: str | None = None
    expected = 0
    for row in session.execute(_versions(scope)):
        if row.article_id != article_id:
            article_id, previous, expected = row.article_id, None, 0
            report.articles += 1
        if row.number is None:  # an article without versions
            continue
        if row.number != expected:
            report.fail(row.url, expected, "is missing: the versions skip from here")
            previous = None
        _check_version(session, report, row, previous if expected else None)
        if row.chained == "upgrade":
            report.unchained += 1
        previous, expected = row.record_hash, row.number + 1


def check_leaves(session: Session, report: Report) -> None:
    """Each leaf's version still exists, sealed with the hash the log holds for it."""
    rows = session.execute(
        select(
            LedgerLeaf.leaf_index,
            LedgerLeaf.record_hash.label("leaf_record"),
            Version.id.label("version_id"),
            Version.record_hash,
            Version.number,
            Article.url,
        )
        .outerjoin(Version, Version.id == LedgerLeaf.version_id)
        .outerjoin(Article, Article.id == Version.article_id)
        .order_by(LedgerLeaf.leaf_index)
        .execution_options(yield_per=BATCH)
    )
    expected = 0
    for row in rows:
        index = row.leaf_index
        if index != expected:
            report.failures.append(f"ledger: leaf {expected} is missing")
        expected = index + 1
        report.leaves += 1
        if row.version_id is None:
            report.failures.append(
                f"ledger: leaf {index} names a version that is gone (deleted after it was logged)"
            )
        elif row.record_hash != row.leaf_record:
            report.fail(row.url, row.number, f"differs from leaf {index} of the log")


def roots_at(session: Session, sizes: Iterable[int]) -> dict[int, bytes]:
    """The root of the leaves below each size, all in one pass over the log.

    As `merkle.root` does, a stack keeps the perfect subtrees so far; at each size it is
    folded (without being consumed) into that prefix's root. "Below a size" is by leaf
    position, so a missing leaf changes the root, as it must.
    """
    wanted = sorted(set(sizes))
    found: dict[int, bytes] = {}
    if not wanted:
        return found
    stack: list[bytes] = []
    counts: list[int] = []  # leaves under each stacked subtree

    def fold() -> bytes:
        if not stack:
            return EMPTY_ROOT
        acc = stack[-1]
        for h in reversed(stack[:-1]):
            acc = node_hash(h, acc)
        return acc

    at = 0
    query = (
        select(LedgerLeaf.leaf_index, LedgerLeaf.record_hash)
        .where(LedgerLeaf.leaf_index < wanted[-1])
        .order_by(LedgerLeaf.leaf_index)
        .execution_options(yield_per=10_000)
    )
    for index, record_hex in session.execute(query):
        while at < len(wanted) and wanted[at] <= index:
            found[wanted[at]] = fold()
            at += 1
        stack.append(leaf_hash(bytes.fromhex(record_hex)))
        counts.append(1)
        while len(counts) > 1 and counts[-1] == counts[-2]:
            right = stack.pop()
            stack[-1] = node_hash(stack[-1], right)
            counts.pop()
            counts[-1] *= 2
    for size in wanted[at:]:
        found[size] = fold()
    return found


def check_checkpoints(session: Session, public: Ed25519PublicKey, report: Report) -> None:
    """Each checkpoint's root from the leaves, its signature, its timestamp tokens."""
    rows = list(session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.id)))
    roots = roots_at(session, (row.tree_size for row in rows))
    for row in rows:
        report.checkpoints += 1
        checkpoint = checkpoint_of(row)
        where = f"checkpoint {row.id} (size {row.tree_size}, {row.signed_time})"
        if roots[row.tree_size] != checkpoint.root:
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

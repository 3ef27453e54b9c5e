"""What the ledger publishes: checkpoints, consistency proofs, a version's proof, coverage.

Read-only functions over the database, shared by `newsmon proof` and the web app, so a
proof fetched over HTTP is byte for byte the one the CLI writes. None of them signs:
a version not yet under a checkpoint has no proof until the crawler signs one.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsmon.ledger.chain import record_of
from newsmon.ledger.checkpoint import Checkpoint
from newsmon.ledger.log import checkpoint_of, inclusion, leaf_hashes, log_size
from newsmon.ledger.proof import build_proof
from newsmon.ledger.tree import MerkleTree
from newsmon.storage.models import Article, LedgerCheckpoint, LedgerLeaf, Version
from newsmon.storage.rawpages import raw_of


def previous_record_hash_of(session: Session, version: Version) -> str | None:
    """The record hash `version` chains to: its predecessor's, None for version 0."""
    if version.number == 0:
        return None
    return session.scalar(
        select(Version.record_hash).where(
            Version.article_id == version.article_id, Version.number == version.number - 1
        )
    )


def version_proof(session: Session, version: Version, article: Article) -> dict[str, Any] | None:
    """The `newsmon-proof/1` JSON of `version` under the latest checkpoint, or None when
    it is not sealed or no checkpoint covers it yet."""
    if version.record_hash is None:
        return None
    found = inclusion(session, version.id)
    if found is None:
        return None
    raw = raw_of(session, version)
    record = record_of(
        version,
        article_url=version.record_url or article.url,
        raw=raw,
        previous=previous_record_hash_of(session, version),
    )
    return build_proof(
        record, version.text, found.leaf_index, found.path, checkpoint_of(found.checkpoint)
    )


def all_checkpoints(session: Session) -> list[Checkpoint]:
    """Every signed checkpoint, oldest (smallest tree) first."""
    rows = session.scalars(
        select(LedgerCheckpoint).order_by(LedgerCheckpoint.tree_size, LedgerCheckpoint.id)
    )
    return [checkpoint_of(row) for row in rows]


def checkpoints_marker(session: Session) -> tuple[int, int]:
    """(newest checkpoint id, how many timestamp-bearing rows may change): an ETag's input.

    Timestamps are added to existing rows later, so the marker covers their count too.
    """
    rows = session.execute(select(LedgerCheckpoint.id, LedgerCheckpoint.timestamps)).all()
    newest = max((row.id for row in rows), default=0)
    return newest, sum(len(row.timestamps or []) for row in rows)


class NoCheckpoint(LookupError):
    """A consistency proof was asked for a size no checkpoint was signed at."""


@dataclass(frozen=True)
class Consistency:
    """RFC 9162 consistency proof between two signed checkpoints' trees."""

    old: Checkpoint
    new: Checkpoint
    path: list[bytes]


def consistency(session: Session, old: int, new: int) -> Consistency:
    """The proof that the checkpoint of `new` leaves extends the checkpoint of `old` leaves.

    Both sizes must be sizes checkpoints were signed at: a proof between unsigned sizes
    would vouch for nothing. Raises NoCheckpoint naming the size that is not one, and
    ValueError when `old` exceeds `new`.
    """
    if old > new:
        raise ValueError(f"from ({old}) must not exceed to ({new}): the log only grows")
    signed = {c.size: c for c in all_checkpoints(session)}
    for size in (old, new):
        if size not in signed:
            raise NoCheckpoint(f"no checkpoint was signed at size {size}")
    if new > log_size(session):
        raise NoCheckpoint(f"the log holds fewer than {new} leaves")
    tree = MerkleTree.from_leaf_hashes(leaf_hashes(session, new))
    return Consistency(signed[old], signed[new], tree.consistency_proof(old, new))


@dataclass(frozen=True)
class Covering:
    """The signed checkpoints by size, to say which first covered a leaf."""

    sizes: list[int]
    checkpoints: list[Checkpoint]

    @classmethod
    def load(cls, session: Session) -> Covering:
        found = all_checkpoints(session)
        return cls([c.size for c in found], found)

    def first(self, leaf_index: int | None) -> Checkpoint | None:
        """The earliest checkpoint whose tree holds `leaf_index`: the first signed statement
        of that version, so the earliest time the log vouches it existed."""
        if leaf_index is None:
            return None
        at = bisect.bisect_right(self.sizes, leaf_index)
        return self.checkpoints[at] if at < len(self.checkpoints) else None

    @property
    def latest_size(self) -> int:
        return self.sizes[-1] if self.sizes else 0


def leaf_indexes(session: Session, version_ids: Iterable[int]) -> dict[int, int]:
    """version id -> its position in the log, for those that have one."""
    ids = list(version_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(LedgerLeaf.version_id, LedgerLeaf.leaf_index).where(LedgerLeaf.version_id.in_(ids))
    )
    return {row.version_id: row.leaf_index for row in rows}


def checkpoint_fields(checkpoint: Checkpoint | None) -> dict[str, Any] | None:
    """The covering checkpoint as exports carry it: size, root (hex) and signed time."""
    if checkpoint is None:
        return None
    return {"size": checkpoint.size, "root": checkpoint.root.hex(), "time": checkpoint.time}

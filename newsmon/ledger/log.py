"""The one append-only Merkle log in the database: leaves in capture order, signed checkpoints.

Capture only seals a version (its record hash, in the version's own transaction); the
log is appended to later by one writer at a time, as Certificate Transparency logs
sequence submissions: `sequence` takes every sealed version that has no leaf yet, in
capture order, and gives them the next positions. On PostgreSQL a transaction-scoped
advisory lock makes the fleet's crawlers take turns; on SQLite the database's single
writer does. Positions are a primary key, so two writers that raced could not both
append: one transaction fails and the next run tries again.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from newsmon.ledger.chain import chain_pending
from newsmon.ledger.checkpoint import Checkpoint, sign_checkpoint
from newsmon.ledger.merkle import leaf_hash, root
from newsmon.ledger.tree import MerkleTree
from newsmon.storage.models import LedgerCheckpoint, LedgerLeaf, Version

# Any fixed number: the advisory lock that makes one crawler at a time the log's writer.
SEQUENCER_LOCK = 0x6E65_7773_6C6F_67


def _take_turn(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEQUENCER_LOCK})


def log_size(session: Session) -> int:
    """How many leaves the log holds (positions are 0 .. size - 1)."""
    last = session.scalar(select(func.max(LedgerLeaf.leaf_index)))
    return 0 if last is None else last + 1


def sequence(session: Session, *, now: datetime) -> int:
    """Append every sealed version without a leaf, in capture order; how many were added."""
    _take_turn(session)
    chain_pending(session)
    session.flush()
    waiting = session.execute(
        select(Version.id, Version.record_hash)
        .outerjoin(LedgerLeaf, LedgerLeaf.version_id == Version.id)
        .where(LedgerLeaf.version_id.is_(None), Version.record_hash.is_not(None))
        .order_by(Version.captured_at, Version.id)
    ).all()
    if not waiting:
        return 0
    start = log_size(session)
    session.execute(
        insert(LedgerLeaf),
        [
            {
                "leaf_index": start + n,
                "version_id": row.id,
                "record_hash": row.record_hash,
                "appended_at": now,
            }
            for n, row in enumerate(waiting)
        ],
    )
    return len(waiting)


def leaf_hashes(session: Session, size: int | None = None) -> Iterator[bytes]:
    """The Merkle leaf hashes of the log's first `size` leaves (all by default), in order."""
    query = select(LedgerLeaf.record_hash).order_by(LedgerLeaf.leaf_index)
    if size is not None:
        query = query.where(LedgerLeaf.leaf_index < size)
    for (record_hash_hex,) in session.execute(query.execution_options(yield_per=10_000)):
        yield leaf_hash(bytes.fromhex(record_hash_hex))


def checkpoint_of(row: LedgerCheckpoint) -> Checkpoint:
    """A stored checkpoint as the pure core's value."""
    return Checkpoint(
        size=row.tree_size,
        root=bytes.fromhex(row.root),
        time=row.signed_time,
        signature=base64.b64decode(row.signature),
        key_id=row.key_id,
        timestamps=tuple(base64.b64decode(t["token"]) for t in row.timestamps or []),
    )


def latest_checkpoint(session: Session) -> LedgerCheckpoint | None:
    return session.scalar(
        select(LedgerCheckpoint)
        .order_by(LedgerCheckpoint.tree_size.desc(), LedgerCheckpoint.id.desc())
        .limit(1)
    )


def write_checkpoint(
    session: Session, key: Ed25519PrivateKey, *, now: datetime
) -> LedgerCheckpoint | None:
    """Sequence what is waiting, then sign the log's head if it grew (or was never signed)."""
    sequence(session, now=now)
    size = log_size(session)
    last = latest_checkpoint(session)
    if last is not None and last.tree_size == size:
        return None
    signed = sign_checkpoint(key, size, root(leaf_hashes(session, size)), now)
    row = LedgerCheckpoint(
        tree_size=signed.size,
        root=signed.root.hex(),
        signed_time=signed.time,
        signature=base64.b64encode(signed.signature).decode("ascii"),
        key_id=signed.key_id,
        timestamps=[],
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class Inclusion:
    """Where a version sits in the log, and the path from it to a checkpoint's root."""

    leaf_index: int
    path: list[bytes]
    checkpoint: LedgerCheckpoint


def _covered(session: Session, version_id: int) -> tuple[int, LedgerCheckpoint] | None:
    """The version's leaf and the latest checkpoint, when that checkpoint includes it."""
    index = session.scalar(select(LedgerLeaf.leaf_index).where(LedgerLeaf.version_id == version_id))
    if index is None:
        return None
    covering = latest_checkpoint(session)
    if covering is None or covering.tree_size <= index:
        return None
    return index, covering


def is_covered(session: Session, version_id: int) -> bool:
    """Whether a signed checkpoint includes the version (two indexed reads, no tree)."""
    return _covered(session, version_id) is not None


def inclusion(session: Session, version_id: int) -> Inclusion | None:
    """The version's inclusion proof under the latest checkpoint that covers it."""
    found = _covered(session, version_id)
    if found is None:
        return None
    index, covering = found
    tree = MerkleTree.from_leaf_hashes(leaf_hashes(session, covering.tree_size))
    return Inclusion(index, tree.inclusion_proof(index, covering.tree_size), covering)

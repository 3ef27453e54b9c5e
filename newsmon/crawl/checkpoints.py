"""The ledger's timed job in `newsmon run`: sign a checkpoint, then get it timestamped.

Signing is a short transaction on the database thread. Timestamping goes out to the
configured RFC 3161 authorities through the SSRF guard, as a one-request Scrapy crawl on
the loop, each with its own timeout: an authority that fails or hangs costs this job
its time, never the crawl's, and the checkpoint is offered to it again on the next run.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsmon.config.settings import Config
from newsmon.crawl.oneoff import FetchError, post
from newsmon.ledger.keys import load_or_create_key
from newsmon.ledger.log import checkpoint_of, write_checkpoint
from newsmon.ledger.timestamp import TimestampError, build_request, parse_response
from newsmon.storage.batchwriter import JOBS
from newsmon.storage.batchwriter import in_transaction as writer_in_transaction
from newsmon.storage.models import LedgerCheckpoint

logger = logging.getLogger("newsmon.ledger")
T = TypeVar("T")
TSA_TIMEOUT = 20.0  # seconds for one authority's answer
STAMP_RECENT = 5  # only the newest checkpoints are offered to an authority again


@dataclass(frozen=True)
class Pending:
    """A checkpoint an authority has not stamped yet: what to send, where."""

    checkpoint_id: int
    authority: str
    digest: bytes


def ledger_key(config: Config) -> Ed25519PrivateKey:
    """The signing key named by the settings, created on first use (KeyFileError if unsafe)."""
    return load_or_create_key(Path(config.ledger_key).expanduser())


async def in_transaction(url: str, work: Callable[[Session], T]) -> T:
    """`work(session)` in a transaction of its own on the timed jobs' writer thread: never
    on the crawl's, whose writer is kept busy for as long as the crawl runs."""
    return await writer_in_transaction(url, work, lane=JOBS)


def _pending(session: Session, authorities: list[str]) -> list[Pending]:
    rows = session.scalars(
        select(LedgerCheckpoint).order_by(LedgerCheckpoint.id.desc()).limit(STAMP_RECENT)
    )
    found = []
    for row in rows:
        stamped = {t.get("authority") for t in row.timestamps or []}
        digest = checkpoint_of(row).timestamp_digest()
        found += [Pending(row.id, a, digest) for a in authorities if a not in stamped]
    return found


def _store_token(session: Session, pending: Pending, token: bytes) -> None:
    row = session.get(LedgerCheckpoint, pending.checkpoint_id)
    if row is None:
        return
    stamp = {"authority": pending.authority, "token": base64.b64encode(token).decode("ascii")}
    row.timestamps = [*(row.timestamps or []), stamp]  # a new list: JSON columns are compared


async def _stamp(config: Config, pending: Pending) -> bytes | None:
    request, nonce = build_request(pending.digest)
    try:
        answer = await post(
            config,
            pending.authority,
            request,
            "application/timestamp-query",
            timeout=TSA_TIMEOUT,
        )
    except FetchError as exc:
        logger.warning("%s: no timestamp: %s", pending.authority, exc)
        return None
    if answer.status != 200:
        logger.warning("%s: no timestamp: HTTP %d", pending.authority, answer.status)
        return None
    try:
        return parse_response(answer.body, digest=pending.digest, nonce=nonce)
    except TimestampError as exc:
        logger.warning("%s: no timestamp: %s", pending.authority, exc)
        return None


def checkpoint_job(
    config: Config, key: Ed25519PrivateKey, now: Callable[[], datetime]
) -> Callable[[], object]:
    """The job: a checkpoint if the log grew, then timestamps for recent checkpoints."""
    url = config.database_url

    async def checkpoint() -> None:
        row = await in_transaction(url, lambda s: write_checkpoint(s, key, now=now()))
        if row is not None:
            logger.info("ledger checkpoint: %d versions, root %s", row.tree_size, row.root[:16])
        if not config.timestamp_authorities:
            return
        authorities = list(config.timestamp_authorities)
        for pending in await in_transaction(url, lambda s: _pending(s, authorities)):
            token = await _stamp(config, pending)
            if token is not None:
                await in_transaction(url, partial(_store_token, pending=pending, token=token))

    return checkpoint

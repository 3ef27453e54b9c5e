"""The ledger in public: signed checkpoints, consistency proofs, each version's proof.

All read-only: the web app never signs. The public key is read from the ledger key file
named by the settings when this process can read it (as `newsmon run` and a `serve` beside
the crawler can); elsewhere `public_key` is null and the key is published by
`newsmon key show`. Each checkpoint names its key by `key_id` either way.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from newsmon.config.settings import Config
from newsmon.ledger.keys import KeyFileError, key_id, public_key_b64, read_public_key
from newsmon.ledger.published import (
    NoCheckpoint,
    all_checkpoints,
    checkpoints_marker,
    consistency,
    version_proof,
)
from newsmon.read.queries import NotFound, version_of
from newsmon.storage.models import Article
from newsmon.web.deps import ConfigDep, SessionDep
from newsmon.web.edges import fits_database, require_id
from newsmon.web.errors import declared

router = APIRouter()
NOT_IN_CHECKPOINT = (
    "Version {n} of article {a} is not yet in a signed checkpoint: the crawler signs one "
    "every few minutes; its proof can be fetched after that."
)


class CheckpointOut(BaseModel):
    size: int = Field(description="How many leaves (versions) the log held")
    root: str = Field(description="The Merkle root of those leaves, lowercase hex")
    time: str = Field(description="The signed time, RFC 3339 UTC with microseconds")
    signature: str = Field(description="Ed25519 signature (base64) over the checkpoint text")
    key_id: str = Field(description="First 8 bytes of SHA-256 of the signing key, hex")
    timestamps: list[str] = Field(description="RFC 3161 tokens (base64 DER) over the text")


class CheckpointsOut(BaseModel):
    public_key: str | None = Field(
        description="The ledger's Ed25519 public key, base64 of its raw 32 bytes; null when "
        "this server cannot read the key file (ask the operator: `newsmon key show`)"
    )
    key_id: str | None = Field(description="The key id of `public_key`")
    checkpoints: list[CheckpointOut] = Field(description="Every checkpoint, oldest first")


class ConsistencyOut(BaseModel):
    from_size: int = Field(alias="from")
    to_size: int = Field(alias="to")
    from_root: str
    to_root: str
    proof: list[str] = Field(description="RFC 9162 2.1.4 consistency path, lowercase hex")


def published_key(config: Config) -> tuple[str | None, str | None]:
    """(public key base64, key id) from the key file, or (None, None) if it is not readable."""
    try:
        public = read_public_key(Path(config.ledger_key).expanduser())
    except (KeyFileError, OSError):
        return None, None
    if public is None:
        return None, None
    return public_key_b64(public), key_id(public)


def checkpoints_body(session: SessionDep, config: Config) -> dict[str, Any]:
    public, kid = published_key(config)
    return {
        "public_key": public,
        "key_id": kid,
        "checkpoints": [c.to_json() for c in all_checkpoints(session)],
    }


def _etag(session: SessionDep, config: Config) -> str:
    newest, stamps = checkpoints_marker(session)
    marker = f"{newest}:{stamps}:{published_key(config)[1]}"
    return '"' + hashlib.sha256(marker.encode()).hexdigest()[:20] + '"'


def _matches(asked: str | None, etag: str) -> bool:
    if asked is None:
        return False
    return asked.strip() == "*" or etag in [t.strip() for t in asked.split(",")]


def _cached_json(request: Request, session: SessionDep, config: Config) -> Response:
    etag = _etag(session, config)
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return JSONResponse(checkpoints_body(session, config), headers=headers)


@router.get("/ledger/checkpoints.json", include_in_schema=False)
def checkpoints_json(request: Request, session: SessionDep, config: ConfigDep) -> Response:
    return _cached_json(request, session, config)


@router.get("/api/ledger/checkpoints", response_model=CheckpointsOut, tags=["api"])
def api_checkpoints(request: Request, session: SessionDep, config: ConfigDep) -> Response:
    """Every signed checkpoint of the ledger, oldest first, and the key that signs them."""
    return _cached_json(request, session, config)


@router.get(
    "/api/ledger/consistency",
    response_model=ConsistencyOut,
    tags=["api"],
    responses=declared("No checkpoint was signed at one of these sizes"),
)
def api_consistency(
    session: SessionDep,
    from_size: Annotated[int, Query(alias="from", ge=0, le=2**31 - 1)],
    to_size: Annotated[int, Query(alias="to", ge=0, le=2**31 - 1)],
) -> dict[str, Any]:
    """Proof that the checkpoint of `to` leaves extends the one of `from` leaves: nothing
    an older checkpoint covered was rewritten or removed (RFC 9162 2.1.4)."""
    try:
        found = consistency(session, from_size, to_size)
    except (NoCheckpoint, ValueError) as exc:
        raise HTTPException(404, str(exc)) from exc
    return {
        "from": found.old.size,
        "to": found.new.size,
        "from_root": found.old.root.hex(),
        "to_root": found.new.root.hex(),
        "proof": [h.hex() for h in found.path],
    }


@router.get("/articles/{article_id}/versions/{number}/proof.json", include_in_schema=False)
def proof_json(article_id: int, number: int, session: SessionDep) -> dict[str, Any]:
    """The same proof `newsmon proof` writes, for a version already under a checkpoint."""
    article = session.get(Article, require_id(article_id, "article"))
    if article is None:
        raise HTTPException(404, f"There is no article {article_id}.")
    try:
        if not fits_database(number):
            raise NotFound(f"article {article_id} has no version {number}")
        version = version_of(session, article.id, number)
    except NotFound as exc:
        raise HTTPException(404, f"{str(exc).capitalize()}.") from exc
    proof = version_proof(session, version, article)
    if proof is None:
        raise HTTPException(404, NOT_IN_CHECKPOINT.format(n=number, a=article_id))
    return proof

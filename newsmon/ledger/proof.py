"""A self-contained proof for one version, and the verifier that needs only the public key.

A proof is one JSON object (`newsmon-proof/1`): the version's record fields and text, its
record hash, its leaf index and audit path in the Merkle log, and the signed checkpoint
(with any RFC 3161 tokens) whose tree includes it. The record carries the raw page's hash
and the chain link (`previous`), so the proof commits to both without carrying the page.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from newsmon.ledger import keys, merkle
from newsmon.ledger.checkpoint import Checkpoint, verify_checkpoint
from newsmon.ledger.record import VersionRecord, record_hash, text_sha256
from newsmon.ledger.timestamp import verify_token

FORMAT = "newsmon-proof/1"


def build_proof(
    record: VersionRecord,
    text: str,
    leaf_index: int,
    path: list[bytes],
    checkpoint: Checkpoint,
) -> dict[str, Any]:
    """The JSON-ready proof that `record` (with `text`) is leaf `leaf_index` under `checkpoint`."""
    return {
        "format": FORMAT,
        "record": record.fields(),
        "text": text,
        "record_hash": record_hash(record).hex(),
        "leaf_index": leaf_index,
        "inclusion_path": [h.hex() for h in path],
        "checkpoint": checkpoint.to_json(),
    }


def verify_proof(proof: Any, public_key: Ed25519PublicKey) -> list[str]:
    """Every reason `proof` does not hold, as sentences; an empty list means it verifies.

    Checks: the text's hash is the record's, the record hash is recomputed from the fields,
    the record hash is included at the index in the checkpoint's tree, the checkpoint is
    signed by `public_key`, and each timestamp token stamps SHA-256 of the checkpoint's
    signed bytes with a signature that verifies against the token's own certificate.
    """
    if not isinstance(proof, dict) or proof.get("format") != FORMAT:
        return [f"this is not a {FORMAT} proof"]
    problems: list[str] = []
    try:
        record = VersionRecord.from_fields(proof.get("record"))
    except (ValueError, TypeError) as exc:
        return [f"the version record is malformed: {exc}"]
    try:
        checkpoint = Checkpoint.from_json(proof.get("checkpoint"))
    except ValueError as exc:
        return [f"the checkpoint is malformed: {exc}"]
    text = proof.get("text")
    if not isinstance(text, str) or _text_hash(text) != record.text_sha256:
        problems.append("the text is not the text the record's text_sha256 names")
    leaf_data = _record_hash(record)
    if leaf_data is None or proof.get("record_hash") != leaf_data.hex():
        problems.append("the record hash does not match the record's fields")
    problems.extend(_inclusion_problems(proof, leaf_data or b"", checkpoint))
    if checkpoint.key_id != keys.key_id(public_key):
        problems.append("the checkpoint names another signing key than the one given")
    if not verify_checkpoint(checkpoint, public_key):
        problems.append("the checkpoint's signature does not verify with the given public key")
    digest = checkpoint.timestamp_digest()
    for n, token in enumerate(checkpoint.timestamps, start=1):
        problems.extend(f"timestamp {n}: {p}" for p in verify_token(token, digest))
    return problems


def _text_hash(text: str) -> str | None:
    try:
        return text_sha256(text)
    except UnicodeEncodeError:
        return None


def _record_hash(record: VersionRecord) -> bytes | None:
    try:
        return record_hash(record)
    except UnicodeEncodeError:
        return None


def _inclusion_problems(proof: dict, leaf_data: bytes, checkpoint: Checkpoint) -> list[str]:
    index, path = proof.get("leaf_index"), proof.get("inclusion_path")
    if type(index) is not int or not isinstance(path, list):
        return ["the proof has no leaf index or inclusion path"]
    try:
        hashes = [_hash_hex(h) for h in path]
    except ValueError:
        return ["the inclusion path holds something other than hashes"]
    leaf = merkle.leaf_hash(leaf_data)
    if not merkle.verify_inclusion(index, checkpoint.size, leaf, hashes, checkpoint.root):
        return [
            f"the record is not leaf {index} of the checkpoint's tree of {checkpoint.size} leaves"
        ]
    return []


def _hash_hex(value: Any) -> bytes:
    if not isinstance(value, str) or len(value) != 64 or value != value.lower():
        raise ValueError("not a hash")
    return bytes.fromhex(value)

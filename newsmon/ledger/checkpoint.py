"""Signed checkpoints of the Merkle log: size, root and time, their signed text and JSON form.

The signed bytes are a short text in the manner of a C2SP signed note's body:

    newsmon-ledger\\n<size in decimal>\\n<root, standard base64>\\n<time, RFC 3339 UTC, µs, Z>\\n

signed with Ed25519. What RFC 3161 authorities timestamp is SHA-256 of these same bytes, so
a token vouches for the size, the root and the log's stated time at once. In JSON the root
is lowercase hex like every other hash; the signature and the DER timestamp tokens are
standard base64.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from newsmon.ledger import keys
from newsmon.ledger.record import format_time, parse_time

ORIGIN = "newsmon-ledger"


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: the log held `size` leaves with `root` at `time`."""

    size: int
    root: bytes
    time: str  # RFC 3339 UTC with microseconds and "Z"
    signature: bytes
    key_id: str
    timestamps: tuple[bytes, ...] = ()  # DER RFC 3161 tokens over `timestamp_digest`

    def signed_bytes(self) -> bytes:
        """The exact bytes the signature covers."""
        return signed_bytes(self.size, self.root, self.time)

    def timestamp_digest(self) -> bytes:
        """What a time-stamping authority is asked to stamp: SHA-256 of the signed bytes."""
        return hashlib.sha256(self.signed_bytes()).digest()

    def with_timestamps(self, tokens: tuple[bytes, ...]) -> Checkpoint:
        """The same checkpoint carrying `tokens` (the signature does not cover them)."""
        return replace(self, timestamps=tuple(tokens))

    def to_json(self) -> dict[str, Any]:
        """The checkpoint as a JSON-ready dict."""
        return {
            "size": self.size,
            "root": self.root.hex(),
            "time": self.time,
            "signature": base64.b64encode(self.signature).decode("ascii"),
            "key_id": self.key_id,
            "timestamps": [base64.b64encode(t).decode("ascii") for t in self.timestamps],
        }

    @classmethod
    def from_json(cls, data: Any) -> Checkpoint:
        """Read `to_json()` back; raises ValueError on anything malformed."""
        if not isinstance(data, dict):
            raise ValueError("a checkpoint is a JSON object")
        try:
            size, root, time = data["size"], data["root"], data["time"]
            signature, kid = data["signature"], data["key_id"]
            stamps = data.get("timestamps", [])
        except KeyError as exc:
            raise ValueError(f"checkpoint has no {exc.args[0]!r}") from exc
        if type(size) is not int or size < 0:
            raise ValueError("checkpoint size must be a non-negative integer")
        if not isinstance(kid, str) or not isinstance(stamps, list):
            raise ValueError("checkpoint key_id must be a string and timestamps a list")
        parse_time(time)
        return cls(
            size=size,
            root=_hex32(root),
            time=time,
            signature=_b64(signature),
            key_id=kid,
            timestamps=tuple(_b64(t) for t in stamps),
        )


def signed_bytes(size: int, root: bytes, time: str) -> bytes:
    """The checkpoint text that is signed and, hashed, timestamped."""
    root_b64 = base64.b64encode(root).decode("ascii")
    return f"{ORIGIN}\n{size}\n{root_b64}\n{time}\n".encode("ascii")


def sign_checkpoint(private: Ed25519PrivateKey, size: int, root: bytes, at: datetime) -> Checkpoint:
    """A checkpoint of the log at `size` leaves with `root`, signed at `at`."""
    time = format_time(at)
    public = private.public_key()
    return Checkpoint(
        size=size,
        root=root,
        time=time,
        signature=keys.sign(private, signed_bytes(size, root, time)),
        key_id=keys.key_id(public),
    )


def verify_checkpoint(checkpoint: Checkpoint, public: Ed25519PublicKey) -> bool:
    """Whether `public` signed this checkpoint's size, root and time."""
    return keys.verify(public, checkpoint.signed_bytes(), checkpoint.signature)


def _hex32(value: Any) -> bytes:
    if not isinstance(value, str) or len(value) != 64 or value != value.lower():
        raise ValueError("a hash is 64 lowercase hex digits")
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise ValueError("a hash is 64 lowercase hex digits") from exc


def _b64(value: Any) -> bytes:
    if not isinstance(value, str):
        raise ValueError("expected a base64 string")
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ValueError("not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != value:  # one text per value: no spare bits
        raise ValueError("not canonical base64")
    return raw

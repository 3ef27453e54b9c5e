"""The ledger's Ed25519 signing key: load or create its file (mode 0600), export, sign, verify.

The private key is a PKCS#8 PEM file. It is created on first use with mode 0600, written to
a temporary file and linked into place, so two processes starting at once end up with one
key. An existing key file that its group or others may read is refused, as ssh refuses
one: a key others could have copied proves nothing. The public key is published as base64
of its raw 32 bytes (or PEM); its key id is the first 8 bytes of SHA-256 over those raw
bytes, in hex, so a checkpoint names the key that signed it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class KeyFileError(Exception):
    """The key file cannot be used (unsafe mode, not an Ed25519 key, unreadable)."""


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The key at `path`, created (mode 0600, parent directories 0700) if there is none."""
    path = Path(path)
    if not path.exists():
        _create(path)
    return _load(path)


def _create(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process got there first
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _load(path: Path) -> Ed25519PrivateKey:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyFileError(
            f"ledger key {path} has mode {mode:04o}: others may read it, so it is not used; "
            f"if it has not leaked, run: chmod 600 {path}"
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"ledger key {path} is not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"ledger key {path} is not an Ed25519 key")
    return key


def read_public_key(path: Path) -> Ed25519PublicKey | None:
    """The public half of an existing key file, None when there is none; never creates one.

    For readers (the web app) that publish the key but must not mint a new one.
    """
    path = Path(path)
    if not path.is_file():
        return None
    return _load(path).public_key()


def public_raw(public: Ed25519PublicKey) -> bytes:
    """The public key's raw 32 bytes."""
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_b64(public: Ed25519PublicKey) -> str:
    """The public key as published: base64 of its raw 32 bytes."""
    return base64.b64encode(public_raw(public)).decode("ascii")


def public_key_pem(public: Ed25519PublicKey) -> str:
    """The public key as a SubjectPublicKeyInfo PEM block."""
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from either published form (base64 raw or PEM)."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode("ascii"))
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the PEM public key is not an Ed25519 key")
        return key
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError("the public key is neither PEM nor base64") from exc
    if len(raw) != 32:
        raise ValueError("a raw Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def key_id(public: Ed25519PublicKey) -> str:
    """First 8 bytes of SHA-256 over the raw public key, hex: names the key in checkpoints."""
    return hashlib.sha256(public_raw(public)).hexdigest()[:16]


def sign(private: Ed25519PrivateKey, message: bytes) -> bytes:
    """An Ed25519 signature (64 bytes) over `message`."""
    return private.sign(message)


def verify(public: Ed25519PublicKey, message: bytes, signature: bytes) -> bool:
    """Whether `signature` is `public`'s Ed25519 signature over `message`."""
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return False
    return True

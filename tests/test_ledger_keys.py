"""The ledger's signing key file: created 0600 on first use, reused, refused when exposed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from newsmon.ledger import keys


def test_first_use_creates_a_private_key_file_only_its_owner_can_read(tmp_path: Path) -> None:
    path = tmp_path / "state" / "ledger.key"
    key = keys.load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert [p.name for p in path.parent.iterdir()] == ["ledger.key"]  # no temporary left
    again = keys.load_or_create_key(path)
    assert keys.public_raw(again.public_key()) == keys.public_raw(key.public_key())


def test_a_key_others_can_read_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "ledger.key"
    keys.load_or_create_key(path)
    path.chmod(0o644)
    with pytest.raises(keys.KeyFileError) as refused:
        keys.load_or_create_key(path)
    assert "mode 0644" in str(refused.value) and f"chmod 600 {path}" in str(refused.value)


def test_a_key_of_another_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.key"
    other = ec.generate_private_key(ec.SECP256R1())
    pem = other.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    path.chmod(0o600)
    with pytest.raises(keys.KeyFileError, match="not an Ed25519 key"):
        keys.load_or_create_key(path)
    path.write_bytes(b"garbage")
    with pytest.raises(keys.KeyFileError, match="not an unencrypted PEM"):
        keys.load_or_create_key(path)


def test_the_public_key_round_trips_in_both_published_forms(tmp_path: Path) -> None:
    public = keys.load_or_create_key(tmp_path / "k").public_key()
    raw = keys.public_raw(public)
    for text in (keys.public_key_b64(public), keys.public_key_pem(public)):
        assert keys.public_raw(keys.load_public_key(text)) == raw
    message = b"newsmon-ledger\n1\n...\n"
    signature = keys.sign(keys.load_or_create_key(tmp_path / "k"), message)
    assert keys.verify(public, message, signature)
    assert not keys.verify(public, message + b"x", signature)
    with pytest.raises(ValueError):
        keys.load_public_key("not a key!")

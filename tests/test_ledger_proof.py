"""Proofs for one version: built from a real log, checked by `verify_proof` and by the
third-party script in the package docstring; any changed byte of a version fails."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import newsmon.ledger
from newsmon.ledger import keys, merkle, timestamp
from newsmon.ledger.checkpoint import Checkpoint, sign_checkpoint
from newsmon.ledger.proof import build_proof, verify_proof
from newsmon.ledger.record import VersionRecord, chain_breaks, record_hash
from newsmon.ledger.tree import MerkleTree
from tests import tsa as tsa_server

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TEXTS = {
    "https://example.org/harbour": [
        "The harbour bridge will close for repairs.",
        "The harbour bridge will close for repairs on Monday.",
    ],
    "https://example.org/café": [
        "Le café « Central » ferme\tses portes — 40 ans après.",
        "Le café « Central » ferme ses portes — 41 ans après. 🍵",
        "Le café « Central » rouvrira en mai.",
    ],
    "https://example.org/vote": ["Council vote delayed."],
}


@dataclass
class Ledger:
    key: Ed25519PrivateKey
    tree: MerkleTree
    records: list[VersionRecord]
    texts: list[str]
    checkpoint: Checkpoint


@pytest.fixture(scope="module")
def tsa() -> Iterator[tsa_server.TSA]:
    server = tsa_server.start(tsa_server.TSA())
    yield server
    tsa_server.stop(server)


def stamp(tsa: tsa_server.TSA, digest: bytes) -> bytes:
    request, nonce = timestamp.build_request(digest)
    post = urllib.request.Request(
        tsa.url, data=request, headers={"Content-Type": "application/timestamp-query"}
    )
    with urllib.request.urlopen(post, timeout=30) as answer:
        return timestamp.parse_response(answer.read(), digest=digest, nonce=nonce)


def capture_all() -> tuple[list[VersionRecord], list[str]]:
    """Versions of three articles, interleaved in capture order, each article chained."""
    order = [(url, n) for n in range(3) for url in TEXTS if n < len(TEXTS[url])]
    last: dict[str, bytes] = {}
    records, texts = [], []
    for step, (url, number) in enumerate(order):
        text = TEXTS[url][number]
        record = VersionRecord.create(
            article_url=url,
            fetched_url=url.replace("https://", "https://www."),
            version=number,
            captured_at=T0 + timedelta(hours=step, microseconds=step),
            title=f"Headline {number}",
            byline=None if number else "By Jane Reporter",
            text=text,
            raw=f"<html><p>{text}</p></html>".encode(),
            extractor="trafilatura-2.0.0/newsmon-3",
            previous=last.get(url),
        )
        last[url] = record_hash(record)
        records.append(record)
        texts.append(text)
    return records, texts


@pytest.fixture
def ledger(tmp_path: Path, tsa: tsa_server.TSA) -> Ledger:
    key = keys.load_or_create_key(tmp_path / "keys" / "ledger.key")
    records, texts = capture_all()
    tree = MerkleTree.from_leaf_hashes(merkle.leaf_hash(record_hash(r)) for r in records)
    checkpoint = sign_checkpoint(key, tree.size, tree.root(), T0 + timedelta(days=1))
    checkpoint = checkpoint.with_timestamps((stamp(tsa, checkpoint.timestamp_digest()),))
    return Ledger(key, tree, records, texts, checkpoint)


def proof_for(ledger: Ledger, index: int) -> dict:
    proof = build_proof(
        ledger.records[index],
        ledger.texts[index],
        index,
        ledger.tree.inclusion_proof(index, ledger.checkpoint.size),
        ledger.checkpoint,
    )
    return json.loads(json.dumps(proof))  # what a reader receives: plain JSON


def test_every_version_s_proof_verifies_with_only_the_public_key(ledger: Ledger) -> None:
    public = keys.load_public_key(keys.public_key_b64(ledger.key.public_key()))
    for index in range(len(ledger.records)):
        assert verify_proof(proof_for(ledger, index), public) == [], index
    assert chain_breaks([r for r in ledger.records if "café" in r.article_url]) == []


def test_any_changed_byte_of_the_version_or_its_text_fails(ledger: Ledger) -> None:
    public = ledger.key.public_key()
    proof = proof_for(ledger, 4)  # the café's version 1: non-ASCII, an emoji, chained
    doc = json.dumps(proof, ensure_ascii=False).encode()
    spans = []
    for key in ("record", "text"):
        value = json.dumps(proof[key], ensure_ascii=False).encode()
        start = doc.index(f'"{key}": '.encode() + value)
        spans.append(range(start, start + len(key) + 4 + len(value)))
    assert verify_proof(json.loads(doc), public) == []
    passed = []
    for at in (i for span in spans for i in span):
        changed = doc[:at] + bytes([doc[at] ^ 0x01]) + doc[at + 1 :]
        try:
            reread = json.loads(changed.decode("utf-8"))
        except ValueError:
            continue  # no longer JSON: nothing to believe
        if not verify_proof(reread, public):
            passed.append(changed[max(0, at - 20) : at + 20])
    assert passed == []


def test_each_kind_of_tampering_is_named(ledger: Ledger) -> None:
    public = ledger.key.public_key()
    edited = proof_for(ledger, 4)
    edited["text"] = edited["text"].replace("41", "14")
    assert verify_proof(edited, public) == [
        "the text is not the text the record's text_sha256 names"
    ]
    moved = proof_for(ledger, 4)
    moved["leaf_index"] = 3
    assert verify_proof(moved, public) == [
        "the record is not leaf 3 of the checkpoint's tree of 6 leaves"
    ]
    older = proof_for(ledger, 4)
    older["record"]["captured_at"] = "2026-03-02T09:30:00.000000Z"
    assert "the record hash does not match the record's fields" in verify_proof(older, public)


def test_a_checkpoint_signed_with_another_key_fails(ledger: Ledger) -> None:
    proof = proof_for(ledger, 2)
    other = Ed25519PrivateKey.generate()
    assert verify_proof(proof, other.public_key()) == [
        "the checkpoint names another signing key than the one given",
        "the checkpoint's signature does not verify with the given public key",
    ]
    forged = sign_checkpoint(other, ledger.tree.size, ledger.tree.root(), T0)
    forged = replace(forged, key_id=ledger.checkpoint.key_id)  # claiming to be the ledger's
    proof["checkpoint"] = forged.to_json()
    assert verify_proof(proof, ledger.key.public_key()) == [
        "the checkpoint's signature does not verify with the given public key"
    ]


def test_a_timestamp_of_another_checkpoint_fails(ledger: Ledger, tsa: tsa_server.TSA) -> None:
    earlier = sign_checkpoint(ledger.key, 3, ledger.tree.root(3), T0)
    token = stamp(tsa, earlier.timestamp_digest())
    proof = proof_for(ledger, 1)
    proof["checkpoint"] = ledger.checkpoint.with_timestamps((token,)).to_json()
    assert verify_proof(proof, ledger.key.public_key()) == [
        "timestamp 1: the token stamps another digest than the expected SHA-256"
    ]


def test_the_docstring_script_verifies_a_proof_without_newsmon(
    ledger: Ledger, tmp_path: Path
) -> None:
    """The package docstring's script is what a third party would run: it must work."""
    doc = newsmon.ledger.__doc__ or ""
    script = doc[doc.index("# --- verify_newsmon_proof.py") : doc.index("# --- end")]
    (tmp_path / "verify.py").write_text(script, encoding="utf-8")
    public = keys.public_key_b64(ledger.key.public_key())
    good, bad = proof_for(ledger, 4), proof_for(ledger, 4)
    bad["record"]["title"] = "Headline 2"
    for name, proof in (("good.json", good), ("bad.json", bad)):
        (tmp_path / name).write_text(json.dumps(proof, ensure_ascii=False), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = [sys.executable, "-I", "verify.py"]
    ok = subprocess.run([*run, "good.json", public], cwd=tmp_path, env=env, capture_output=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.decode() == (
        "OK https://example.org/café version 1 captured 2026-03-02T13:30:00.000004Z\n"
    )
    no = subprocess.run([*run, "bad.json", public], cwd=tmp_path, env=env, capture_output=True)
    assert no.returncode != 0 and b"record hash" in no.stderr


def test_the_record_encoding_is_pinned() -> None:
    """A change of encoding would orphan every published proof: this pins the bytes."""
    record = VersionRecord.create(
        article_url="https://example.org/a",
        fetched_url="https://example.org/a?amp=0",
        version=1,
        captured_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        title='Minister "quits"',
        byline="Zoë\u2028Line",
        text="Body",
        raw=b"<p>Body</p>",
        extractor="x-1",
        previous=bytes(32),
    )
    body = hashlib.sha256(b"Body").hexdigest()
    raw = hashlib.sha256(b"<p>Body</p>").hexdigest()
    canonical = (
        '{"article_url":"https://example.org/a","byline":"Zoë\u2028Line",'
        '"captured_at":"2026-01-02T03:04:05.000006Z","extractor":"x-1",'
        '"fetched_url":"https://example.org/a?amp=0","format":"newsmon-record/1",'
        f'"previous":"{"0" * 64}","raw_sha256":"{raw}","text_sha256":"{body}",'
        '"title":"Minister \\"quits\\"","version":1}'
    ).encode()
    assert record_hash(record) == hashlib.sha256(canonical).digest()


def test_records_refuse_what_would_make_them_ambiguous() -> None:
    fields = dict(
        article_url="u", fetched_url="", version=0, title="", byline="", text="t",
        raw=None, extractor="x", previous=None,
    )  # fmt: skip
    with pytest.raises(ValueError, match="timezone-aware"):
        VersionRecord.create(captured_at=datetime(2026, 1, 1), **fields)
    with pytest.raises(ValueError, match="previous"):
        VersionRecord.create(captured_at=T0, **{**fields, "previous": bytes(32)})
    with pytest.raises(ValueError, match="previous"):
        VersionRecord.create(captured_at=T0, **{**fields, "version": 1})


def test_a_dropped_or_rewritten_version_breaks_the_chain() -> None:
    records, _ = capture_all()
    cafe = [r for r in records if "café" in r.article_url]
    assert chain_breaks([cafe[0], cafe[2]]) == [
        "version 2 follows version 0",
        "version 2 does not name version 0's record hash",
    ]
    rewritten = replace(cafe[1], title="A quieter headline")
    assert chain_breaks([cafe[0], rewritten, cafe[2]]) == [
        "version 2 does not name version 1's record hash"
    ]

"""RFC 3161 timestamps against the loopback TSA (tests/tsa.py): real HTTP, real CMS tokens."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import cms
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from newsmon.ledger import timestamp
from tests import tsa as tsa_server

DIGEST = hashlib.sha256(b"newsmon-ledger\n3\nAAAA\n2026-01-01T00:00:00.000000Z\n").digest()


@pytest.fixture(scope="module")
def tsa() -> Iterator[tsa_server.TSA]:
    server = tsa_server.start(tsa_server.TSA())
    yield server
    tsa_server.stop(server)


@pytest.fixture(autouse=True)
def tsa_ok(tsa: tsa_server.TSA) -> None:
    tsa.set_mode("ok")


def post(url: str, body: bytes) -> bytes:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/timestamp-query"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.read()


def stamp(tsa: tsa_server.TSA, digest: bytes = DIGEST) -> bytes:
    request, nonce = timestamp.build_request(digest)
    return timestamp.parse_response(post(tsa.url, request), digest=digest, nonce=nonce)


def test_a_token_from_the_tsa_verifies_and_names_its_certificate(tsa: tsa_server.TSA) -> None:
    token = stamp(tsa)
    assert timestamp.verify_token(token, DIGEST) == []
    info = timestamp.token_info(token)
    assert info.digest == DIGEST and info.hash_algorithm == "sha256"
    assert info.gen_time.tzinfo is not None
    assert info.tsa_cert_sha256 == hashlib.sha256(tsa.cert_der).hexdigest()


def test_a_token_for_another_digest_fails(tsa: tsa_server.TSA) -> None:
    token = stamp(tsa, hashlib.sha256(b"another checkpoint").digest())
    assert timestamp.verify_token(token, DIGEST) == [
        "the token stamps another digest than the expected SHA-256"
    ]


def test_an_answer_for_another_digest_or_nonce_is_refused(tsa: tsa_server.TSA) -> None:
    request, nonce = timestamp.build_request(DIGEST)
    answer = post(tsa.url, request)
    with pytest.raises(timestamp.TimestampError, match="another digest"):
        timestamp.parse_response(answer, digest=hashlib.sha256(b"x").digest(), nonce=nonce)
    with pytest.raises(timestamp.TimestampError, match="nonce"):
        timestamp.parse_response(answer, digest=DIGEST, nonce=nonce + 1)


def test_a_rejection_is_refused_with_the_tsa_s_reason(tsa: tsa_server.TSA) -> None:
    tsa.set_mode("rejection")
    request, nonce = timestamp.build_request(DIGEST)
    with pytest.raises(timestamp.TimestampError, match="rejection: test rejection"):
        timestamp.parse_response(post(tsa.url, request), digest=DIGEST, nonce=nonce)
    with pytest.raises(timestamp.TimestampError, match="not a TimeStampResp"):
        timestamp.parse_response(b"<html>busy</html>", digest=DIGEST, nonce=nonce)


def test_a_tampered_token_fails_its_signature_check(tsa: tsa_server.TSA) -> None:
    token = stamp(tsa)
    signed = cms.ContentInfo.load(token)["content"]
    tst = signed["encap_content_info"]["content"].contents
    at = token.index(tst) + len(tst) - 3  # inside the nonce, the TSTInfo's last field
    forged = token[:at] + bytes([token[at] ^ 1]) + token[at + 1 :]
    problems = timestamp.verify_token(forged, DIGEST)
    assert "the signed attributes' message digest does not match the TSTInfo" in problems


def test_any_changed_byte_of_a_token_fails_and_none_raises(tsa: tsa_server.TSA) -> None:
    """Signed parts, certificate and even the unsigned CMS framing: one form per token."""
    token = stamp(tsa)
    passed = []
    for at in range(len(token)):
        changed = token[:at] + bytes([token[at] ^ 0x01]) + token[at + 1 :]
        if not timestamp.verify_token(changed, DIGEST):
            passed.append(at)
    assert passed == []


def swap_certificate(token: bytes, cert_der: bytes) -> bytes:
    content = cms.ContentInfo.load(token)
    content["content"]["certificates"] = [ax509.Certificate.load(cert_der)]
    return content.dump(force=True)


def test_a_look_alike_certificate_with_another_key_fails(tsa: tsa_server.TSA) -> None:
    """Same name and serial as the TSA's certificate, someone else's key."""
    _, look_alike = tsa_server.make_identity(serial=tsa.cert.serial_number)
    assert timestamp.verify_token(swap_certificate(stamp(tsa), look_alike), DIGEST) == [
        "the token's certificate is not the one its signed attributes name",
        "the token's signature does not verify with its certificate",
    ]


def test_a_reissued_certificate_for_the_tsa_s_key_fails(tsa: tsa_server.TSA) -> None:
    """The TSA's own key in a certificate it never used: the signed ESS hash catches it."""
    # Issued a day before the one in use (valid all the same): issued in the same second as
    # the fixture's, it would be byte for byte the same certificate.
    earlier = tsa.cert.not_valid_before
    _, reissued = tsa_server.make_identity(
        key=tsa.key, serial=tsa.cert.serial_number, issued=earlier
    )
    assert timestamp.verify_token(swap_certificate(stamp(tsa), reissued), DIGEST) == [
        "the token's certificate is not the one its signed attributes name"
    ]


@pytest.mark.parametrize(
    ("eku", "problem"),
    [
        ("none", "the signing certificate is not for time stamping"),
        ("plain", "the signing certificate's time-stamping usage is not critical"),
    ],
)
def test_a_token_from_a_certificate_not_made_for_time_stamping_fails(
    tsa: tsa_server.TSA, eku: str, problem: str
) -> None:
    other = tsa_server.TSA(tsa.key, tsa_server.make_identity(eku=eku, key=tsa.key)[1])
    request, _nonce = timestamp.build_request(DIGEST)
    token = timestamp.parse_response(other.respond(request), digest=DIGEST, nonce=None)
    assert timestamp.verify_token(token, DIGEST) == [problem]


def test_the_tsa_modes_a_client_must_survive(tsa: tsa_server.TSA) -> None:
    tsa.set_mode("error500")
    with pytest.raises(urllib.error.HTTPError) as failed:
        post(tsa.url, timestamp.build_request(DIGEST)[0])
    assert failed.value.code == 500
    tsa.set_mode("hang")
    seen = tsa.requests
    outcome: list[object] = []
    client = threading.Thread(target=lambda: outcome.append(_try_post(tsa)))
    client.start()
    assert tsa.wait_for(lambda: tsa.requests > seen)
    assert client.is_alive() and outcome == []  # held: no answer while the TSA hangs
    tsa.release()
    client.join()
    assert outcome == [500]


def _try_post(tsa: tsa_server.TSA) -> int:
    try:
        post(tsa.url, timestamp.build_request(DIGEST)[0])
    except urllib.error.HTTPError as exc:
        return exc.code
    return 200


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_openssl_accepts_the_loopback_tsa_s_tokens(tsa: tsa_server.TSA, tmp_path: Path) -> None:
    """An independent RFC 3161 implementation agrees the test TSA's tokens are sound."""
    request, _nonce = timestamp.build_request(DIGEST)
    (tmp_path / "q.tsq").write_bytes(request)
    (tmp_path / "r.tsr").write_bytes(post(tsa.url, request))
    cert = x509.load_der_x509_certificate(tsa.cert_der)
    (tmp_path / "tsa.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    done = subprocess.run(
        ["openssl", "ts", "-verify", "-queryfile", "q.tsq", "-in", "r.tsr", "-CAfile", "tsa.pem"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Verification: OK" in done.stdout, done.stdout + done.stderr


OPENSSL_TSA = """[ tsa ]
default_tsa = here
[ here ]
dir = .
serial = ./serial
signer_cert = ./tsa.pem
signer_key = ./tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.2
digests = sha256
ess_cert_id_alg = sha256
certs = ./tsa.pem
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = openssl test TSA
[ ext ]
extendedKeyUsage = critical,timeStamping
"""


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_a_token_made_by_openssl_verifies(tmp_path: Path) -> None:
    """Our verifier accepts another implementation's tokens, not only our test TSA's."""
    (tmp_path / "tsa.cnf").write_text(OPENSSL_TSA)
    (tmp_path / "serial").write_text("01\n")
    request, nonce = timestamp.build_request(DIGEST)
    (tmp_path / "q.tsq").write_bytes(request)
    for command in (
        "req -x509 -newkey rsa:2048 -nodes -keyout tsa.key -out tsa.pem -days 30"
        " -config tsa.cnf -extensions ext",
        "ts -reply -config tsa.cnf -queryfile q.tsq -out r.tsr",
    ):
        subprocess.run(["openssl", *command.split()], cwd=tmp_path, check=True, capture_output=True)
    answer = (tmp_path / "r.tsr").read_bytes()
    token = timestamp.parse_response(answer, digest=DIGEST, nonce=nonce)
    assert timestamp.verify_token(token, DIGEST) == []
    assert timestamp.verify_token(token, hashlib.sha256(b"x").digest()) == [
        "the token stamps another digest than the expected SHA-256"
    ]

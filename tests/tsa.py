"""A loopback RFC 3161 time-stamping authority for tests: real HTTP, real CMS signatures.

It holds a self-signed RSA certificate with the critical extendedKeyUsage timeStamping
that RFC 3161 asks of a TSA, answers `application/timestamp-query` POSTs with a signed
token built with asn1crypto and cryptography, and can be switched to fail: `error500`
answers HTTP 500, `rejection` answers a TimeStampResp with status rejection, and `hang`
holds each request unanswered until the test calls `release()`.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from newsmon.ledger.timestamp import TimeStampResp

MODES = ("ok", "error500", "rejection", "hang")
POLICY = "1.3.6.1.4.1.55555.1.1"  # an arbitrary test policy OID


def make_identity(
    name: str = "newsmon test TSA",
    *,
    eku: str = "critical",
    key: rsa.RSAPrivateKey | None = None,
    serial: int | None = None,
    issued: datetime | None = None,
) -> tuple[rsa.RSAPrivateKey, bytes]:
    """A TSA key and its self-signed certificate (DER), valid from a day before `issued`
    (now) for ten years.

    `eku` is "critical" (as RFC 3161 requires of a TSA), "plain" (not critical) or "none";
    `key`, `serial` and `issued` let a test forge a look-alike of another TSA's
    certificate (the same key, serial and second give the same bytes: RSA's PKCS #1 v1.5
    signatures are deterministic).
    """
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = issued or datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if eku != "none":
        usage = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING])
        builder = builder.add_extension(usage, critical=eku == "critical")
    cert = builder.sign(key, hashes.SHA256())
    return key, cert.public_bytes(serialization.Encoding.DER)


class TSA:
    """The authority's state; the HTTP handler reads it."""

    def __init__(self, key: rsa.RSAPrivateKey | None = None, cert: bytes | None = None) -> None:
        if key is None or cert is None:
            key, cert = make_identity()
        self.key = key
        self.cert = ax509.Certificate.load(cert)
        self.cert_der = cert
        self.mode = "ok"
        self.requests = 0
        self.arrived = threading.Condition()
        self.serials = itertools.count(1)
        self.released = threading.Event()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/tsa"

    def set_mode(self, mode: str) -> None:
        assert mode in MODES, mode
        self.mode = mode
        if mode == "hang":
            self.released.clear()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
        """Wait until `predicate()` holds, re-checking it whenever a request arrives."""
        with self.arrived:
            return self.arrived.wait_for(predicate, timeout)

    def release(self) -> None:
        """Let every held (`hang`) request go, answered with a 500."""
        self.released.set()

    def respond(self, request_der: bytes) -> bytes:
        """A DER TimeStampResp for a DER TimeStampReq (the `ok` and `rejection` modes)."""
        if self.mode == "rejection":
            return TimeStampResp(
                {"status": {"status": "rejection", "status_string": ["test rejection"]}}
            ).dump()
        request = tsp.TimeStampReq.load(request_der)
        tst = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": POLICY,
                "message_imprint": request["message_imprint"],
                "serial_number": next(self.serials),
                "gen_time": datetime.now(UTC).replace(microsecond=0),
                "nonce": request["nonce"],
            }
        )
        return TimeStampResp(
            {
                "status": {"status": "granted"},
                "time_stamp_token": self.sign(tst, with_cert=bool(request["cert_req"].native)),
            }
        ).dump()

    def sign(self, tst: tsp.TSTInfo, *, with_cert: bool = True) -> cms.ContentInfo:
        """A CMS SignedData token over `tst`, signed by this authority."""
        tst_der = tst.dump()
        attrs = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "message_digest", "values": [hashlib.sha256(tst_der).digest()]},
                {
                    "type": "signing_certificate_v2",
                    "values": [{"certs": [{"cert_hash": hashlib.sha256(self.cert_der).digest()}]}],
                },
            ]
        )
        signature = self.key.sign(attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    name="issuer_and_serial_number",
                    value={
                        "issuer": self.cert.issuer,
                        "serial_number": self.cert.serial_number,
                    },
                ),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "signed_attrs": attrs,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
                "signature": signature,
            }
        )
        signed = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": core.ParsableOctetString(tst_der),
                },
                "certificates": [self.cert] if with_cert else None,
                "signer_infos": [signer],
            }
        )
        return cms.ContentInfo({"content_type": "signed_data", "content": signed})


def _handler(tsa: TSA) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with tsa.arrived:
                tsa.requests += 1
                tsa.arrived.notify_all()
            mode = tsa.mode
            if mode == "hang":
                tsa.released.wait()
                mode = "error500"
            if mode == "error500":
                self.send_error(500, "TSA failure (test)")
                return
            try:
                answer = tsa.respond(body)
            except ValueError:
                self.send_error(400, "not a TimeStampReq")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    return Handler


def start(tsa: TSA, address: str = "127.0.0.1") -> TSA:
    """Serve `tsa` on a free port of a loopback `address`."""
    server = ThreadingHTTPServer((address, 0), _handler(tsa))
    server.daemon_threads = True
    tsa.server = server
    threading.Thread(target=server.serve_forever, name="tsa", daemon=True).start()
    return tsa


def stop(tsa: TSA) -> None:
    """Release held requests and close the server."""
    tsa.release()
    if tsa.server is not None:
        tsa.server.shutdown()
        tsa.server.server_close()

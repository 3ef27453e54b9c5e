"""RFC 3161 trusted timestamps as pure bytes in and out: requests, responses, token checks.

A checkpoint is stamped by sending `build_request(checkpoint.timestamp_digest())` to a
time-stamping authority (TSA); the network is not here. `parse_response` checks the answer
(granted status, our digest, our nonce) and returns the token, a CMS SignedData over a
TSTInfo, kept as DER with the checkpoint. `verify_token` checks a token on its own: the
TSTInfo's message imprint is the expected SHA-256, and the CMS signature verifies with the
certificate inside the token (signed attributes' message-digest equals the hash of the
TSTInfo, and the signer's signature covers the DER of the signed attributes). It does not
decide whether to trust that TSA: compare `TokenInfo.tsa_cert_sha256` with the fingerprint
the authority publishes. ASN.1 is asn1crypto's; signatures are checked with cryptography.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms, tsp, x509
from cryptography import x509 as cx509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
    "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}  # fmt: skip
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError)


class TimeStampResp(tsp.TimeStampResp):
    """RFC 3161's TimeStampResp: asn1crypto 1.5 makes the token mandatory, so a refusal
    (status only, no token) would not parse; here it is OPTIONAL, as the RFC says."""

    _fields = [  # noqa: RUF012 (asn1crypto's class-level schema)
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


class TimestampError(ValueError):
    """A time-stamping answer or token that cannot be used, with the reason."""


@dataclass(frozen=True)
class TokenInfo:
    """What a token says: when, over which digest, and which certificate signed it."""

    gen_time: datetime
    digest: bytes
    hash_algorithm: str
    nonce: int | None
    serial_number: int
    policy: str
    tsa_cert_sha256: str | None  # hex SHA-256 of the signing certificate's DER


def build_request(digest: bytes, nonce: int | None = None) -> tuple[bytes, int]:
    """A DER TimeStampReq for a SHA-256 `digest`, asking for the TSA's certificate.

    Returns the request and its nonce (random 64 bits unless given), which the answer
    must echo.
    """
    if len(digest) != 32:
        raise ValueError("a SHA-256 digest is 32 bytes")
    nonce = secrets.randbits(64) if nonce is None else nonce
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    return request.dump(), nonce


def parse_response(der: bytes, *, digest: bytes, nonce: int | None) -> bytes:
    """The DER token from a TimeStampResp, checked to be granted, for `digest`, with `nonce`."""
    try:
        response = TimeStampResp.load(der, strict=True)
        status = response["status"]["status"].native
    except _PARSE_ERRORS as exc:
        raise TimestampError(f"the answer is not a TimeStampResp ({exc})") from exc
    if status not in ("granted", "granted_with_mods"):
        text = response["status"]["status_string"].native or []
        fail = response["status"]["fail_info"].native
        raise TimestampError(f"the TSA answered {status}: {' '.join(text)} {fail or ''}".strip())
    token = response["time_stamp_token"]
    if token.native is None:
        raise TimestampError("the TSA granted the request but sent no token")
    der_token = token.dump()
    info = token_info(der_token)
    if info.digest != digest:
        raise TimestampError("the token is for another digest than the one requested")
    if nonce is not None and info.nonce != nonce:
        raise TimestampError("the token does not echo the request's nonce")
    return der_token


def _signed_data(token: bytes) -> cms.SignedData:
    content = cms.ContentInfo.load(token, strict=True)
    if content["content_type"].native != "signed_data":
        raise TimestampError("the token is not CMS SignedData")
    signed = content["content"]
    if signed["encap_content_info"]["content_type"].native != "tst_info":
        raise TimestampError("the token's content is not a TSTInfo")
    return signed


def token_info(token: bytes) -> TokenInfo:
    """Read a DER token's TSTInfo (no signature check: see `verify_token`)."""
    try:
        signed = _signed_data(token)
        tst = signed["encap_content_info"]["content"].parsed
        imprint = tst["message_imprint"]
        signer = _signer_cert(signed)
        return TokenInfo(
            gen_time=tst["gen_time"].native,
            digest=imprint["hashed_message"].native,
            hash_algorithm=imprint["hash_algorithm"]["algorithm"].native,
            nonce=tst["nonce"].native,
            serial_number=tst["serial_number"].native,
            policy=tst["policy"].dotted,
            tsa_cert_sha256=None if signer is None else hashlib.sha256(signer.dump()).hexdigest(),
        )
    except TimestampError:
        raise
    except _PARSE_ERRORS as exc:
        raise TimestampError(f"the token cannot be read ({exc})") from exc


def verify_token(token: bytes, digest: bytes) -> list[str]:
    """Problems with a token as a stamp of SHA-256 `digest`; an empty list means it holds."""
    try:
        info = token_info(token)
    except TimestampError as exc:
        return [str(exc)]
    problems = []
    if info.hash_algorithm != "sha256" or info.digest != digest:
        problems.append("the token stamps another digest than the expected SHA-256")
    try:
        problems.extend(_signature_problems(_signed_data(token), info.gen_time))
    except _PARSE_ERRORS as exc:
        problems.append(f"the token's signature cannot be checked ({exc})")
    return problems


def _signer_cert(signed: cms.SignedData) -> x509.Certificate | None:
    """The embedded certificate the (single) signer info names, if present."""
    infos = signed["signer_infos"]
    if len(infos) != 1:
        raise TimestampError("a time-stamp token has exactly one signer")
    sid = infos[0]["sid"]
    for choice in signed["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            if (cert.issuer == sid.chosen["issuer"]
                    and cert.serial_number == sid.chosen["serial_number"].native):  # fmt: skip
                return cert
        elif cert.key_identifier == sid.chosen.native:
            return cert
    return None


def _structure_problems(signed: cms.SignedData, signer: cms.SignerInfo) -> list[str]:
    """RFC 5652's fixed values in the parts no signature covers, so a token has one form."""
    problems = []
    if signed["version"].native != "v3":
        problems.append("the token's SignedData version is not 3")
    sid_version = "v1" if signer["sid"].name == "issuer_and_serial_number" else "v3"
    if signer["version"].native != sid_version:
        problems.append("the token's signer version does not fit its signer identifier")
    listed = [a["algorithm"].native for a in signed["digest_algorithms"]]
    if listed != [signer["digest_algorithm"]["algorithm"].native]:
        problems.append("the token's digest algorithms are not its signer's")
    named = [
        *signed["digest_algorithms"],
        signer["digest_algorithm"],
        signer["signature_algorithm"],
    ]
    if any(
        a["parameters"].native is not None for a in named if a.native["algorithm"] != "rsassa_pss"
    ):
        problems.append("the token's algorithm identifiers carry parameters they do not take")
    return problems


def _signature_problems(signed: cms.SignedData, gen_time: datetime) -> list[str]:
    signer = signed["signer_infos"][0]
    problems = _structure_problems(signed, signer)
    cert = _signer_cert(signed)
    if cert is None:
        return [*problems, "the token does not carry the certificate that signed it"]
    usage = cert.extended_key_usage_value
    if usage is None or "time_stamping" not in usage.native:
        problems.append("the signing certificate is not for time stamping")
    elif "extended_key_usage" not in cert.critical_extensions:
        problems.append("the signing certificate's time-stamping usage is not critical")
    if not cert.not_valid_before <= gen_time <= cert.not_valid_after:
        problems.append("the token's time is outside its certificate's validity")
    attrs = signer["signed_attrs"]
    if not attrs:
        return [*problems, "the token has no signed attributes"]
    values = {a["type"].native: a["values"] for a in attrs}
    hash_name = signer["digest_algorithm"]["algorithm"].native
    if hash_name not in _HASHES:
        return [*problems, f"the token uses an unsupported digest ({hash_name})"]
    content = signed["encap_content_info"]["content"].contents
    if "content_type" not in values or values["content_type"][0].native != "tst_info":
        problems.append("the signed attributes do not name a TSTInfo")
    expected = hashlib.new(hash_name, content).digest()
    if "message_digest" not in values or values["message_digest"][0].native != expected:
        problems.append("the signed attributes' message digest does not match the TSTInfo")
    problems.extend(_ess_problems(values, cert))
    # The signature covers the attributes DER-encoded as a SET, not with their [0] tag.
    signed_der = b"\x31" + attrs.dump()[1:]
    if not _signature_ok(cert, signer, signed_der, _HASHES[hash_name]()):
        problems.append("the token's signature does not verify with its certificate")
    return problems


def _ess_problems(values: dict, cert: x509.Certificate) -> list[str]:
    """RFC 3161 binds the signing certificate into the signed attributes (RFC 5035 ESS)."""
    if "signing_certificate_v2" in values:
        ids = values["signing_certificate_v2"][0]["certs"]
        names = [i["hash_algorithm"]["algorithm"].native for i in ids]
    elif "signing_certificate" in values:
        ids = values["signing_certificate"][0]["certs"]
        names = ["sha1"] * len(ids)
    else:
        return ["the token's signed attributes do not name its certificate"]
    if not names or names[0] not in _HASHES:
        return ["the token names its certificate with an unusable hash"]
    if ids[0]["cert_hash"].native != hashlib.new(names[0], cert.dump()).digest():
        return ["the token's certificate is not the one its signed attributes name"]
    return []


def _signature_ok(
    cert: x509.Certificate, signer: cms.SignerInfo, data: bytes, digest: hashes.HashAlgorithm
) -> bool:
    try:
        public = cx509.load_der_x509_certificate(cert.dump()).public_key()
    except (ValueError, UnsupportedAlgorithm, cx509.InvalidVersion):
        return False
    algo = signer["signature_algorithm"]
    signature = signer["signature"].native
    kind = algo.signature_algo
    try:
        if isinstance(public, rsa.RSAPublicKey) and kind == "rsassa_pkcs1v15":
            public.verify(signature, data, padding.PKCS1v15(), digest)
        elif isinstance(public, rsa.RSAPublicKey) and kind == "rsassa_pss":
            params = algo["parameters"]
            mgf = padding.MGF1(
                _HASHES[params["mask_gen_algorithm"]["parameters"]["algorithm"].native]()
            )
            pss = padding.PSS(mgf, params["salt_length"].native)
            public.verify(
                signature, data, pss, _HASHES[params["hash_algorithm"]["algorithm"].native]()
            )
        elif isinstance(public, ec.EllipticCurvePublicKey) and kind == "ecdsa":
            public.verify(signature, data, ec.ECDSA(digest))
        elif isinstance(public, ed25519.Ed25519PublicKey) and kind == "ed25519":
            public.verify(signature, data)
        else:
            return False
    except InvalidSignature:
        return False
    return True

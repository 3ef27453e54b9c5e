"""One version's ledger record, its canonical encoding and its record hash (a per-article chain).

Canonical encoding (format `newsmon-record/1`): the record's fields as one JSON object,
UTF-8, keys sorted, no whitespace, non-ASCII characters written as themselves (not \\u
escapes), the only number being the version. In Python that is
`json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()`;
for these value types (short ASCII keys, strings, one small integer) it is byte for byte
RFC 8785 (JCS), so a verifier in another language can use a JCS library or plain JSON
output with sorted keys. The record hash is SHA-256 of those bytes.

Fields (all strings except `version`):
  format       "newsmon-record/1" (a new field set gets a new name, never a silent change)
  article_url  the article's canonical URL
  fetched_url  the URL the page was actually fetched from, after redirects ("" if not known)
  version      the version number, 0 for the first one
  captured_at  capture time, RFC 3339 in UTC with microseconds and "Z"
               (2026-01-01T08:00:00.000000Z)
  title        the headline ("" if none)
  byline       the byline ("" if none)
  text_sha256  SHA-256 of the stored text encoded as UTF-8, lowercase hex
  raw_sha256   SHA-256 of the raw page bytes as fetched, lowercase hex ("" if not kept)
  extractor    the extractor's tag (name and version)
  previous     the record hash of the article's previous version, lowercase hex; "" for
               version 0. So each article's versions form a hash chain.

Why JSON rather than length-prefixed fields: a proof carries these fields as JSON anyway,
so the verifier re-serialises what it reads with one standard call in any language, and a
reader can see what was hashed; JCS pins every byte the encoding could otherwise vary in.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

FORMAT = "newsmon-record/1"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


def format_time(at: datetime) -> str:
    """RFC 3339 UTC with microseconds and "Z"; a naive time is refused, never guessed."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("capture times must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """The inverse of `format_time`; only that exact form is accepted."""
    if not isinstance(text, str) or not _TIME.fullmatch(text):
        raise ValueError(f"not an RFC 3339 UTC time with microseconds: {text!r}")
    # The pattern fixed the shape; fromisoformat checks the ranges (strptime's cost, 10x).
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)


def sha256_hex(data: bytes) -> str:
    """Lowercase hex SHA-256, the form every hash takes in records and proofs."""
    return hashlib.sha256(data).hexdigest()


def text_sha256(text: str) -> str:
    """The `text_sha256` of a version's stored text (its UTF-8 bytes)."""
    return sha256_hex(text.encode("utf-8"))


@dataclass(frozen=True)
class VersionRecord:
    """What the ledger commits to for one stored version of one article."""

    article_url: str
    fetched_url: str
    version: int
    captured_at: str
    title: str
    byline: str
    text_sha256: str
    raw_sha256: str
    extractor: str
    previous: str

    def __post_init__(self) -> None:
        for name in ("article_url", "fetched_url", "title", "byline", "extractor"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a string")
        if type(self.version) is not int or self.version < 0:
            raise ValueError("version must be a non-negative integer")
        parse_time(self.captured_at)
        if not _HEX64.fullmatch(self.text_sha256):
            raise ValueError("text_sha256 must be 64 lowercase hex digits")
        if self.raw_sha256 and not _HEX64.fullmatch(self.raw_sha256):
            raise ValueError("raw_sha256 must be 64 lowercase hex digits or empty")
        if (self.version == 0) != (self.previous == ""):
            raise ValueError("previous is empty for version 0 and only for version 0")
        if self.previous and not _HEX64.fullmatch(self.previous):
            raise ValueError("previous must be 64 lowercase hex digits")

    @classmethod
    def create(
        cls,
        *,
        article_url: str,
        fetched_url: str | None,
        version: int,
        captured_at: datetime,
        title: str | None,
        byline: str | None,
        text: str,
        raw: bytes | None,
        extractor: str,
        previous: bytes | None,
        thinned_raw_sha256: str | None = None,
    ) -> VersionRecord:
        """A record from a version's stored values (hashes computed here, None as "").

        `thinned_raw_sha256`: the digest sealed for a raw page deleted since by a recorded
        retention rule, used only when `raw` is None.
        """
        return cls(
            article_url=article_url,
            fetched_url=fetched_url or "",
            version=version,
            captured_at=format_time(captured_at),
            title=title or "",
            byline=byline or "",
            text_sha256=text_sha256(text),
            raw_sha256=sha256_hex(raw) if raw is not None else (thinned_raw_sha256 or ""),
            extractor=extractor,
            previous="" if previous is None else previous.hex(),
        )

    def fields(self) -> dict[str, Any]:
        """The JSON object that is hashed, `format` included."""
        # Shallow on purpose: every field is a str or an int, and `asdict` deep-copies each
        # one, which was most of the audit's time per version.
        return {"format": FORMAT, **{name: getattr(self, name) for name in _FIELD_NAMES}}

    @classmethod
    def from_fields(cls, fields: Any) -> VersionRecord:
        """Read `fields()` back; unknown or missing keys and another format are refused."""
        if not isinstance(fields, dict):
            raise ValueError("a record is a JSON object")
        if fields.get("format") != FORMAT:
            raise ValueError(f"record format is not {FORMAT!r}")
        data = {k: v for k, v in fields.items() if k != "format"}
        expected = set(cls.__dataclass_fields__)
        if set(data) != expected:
            raise ValueError(f"record fields must be exactly {sorted(expected | {'format'})}")
        return cls(**data)


_FIELD_NAMES = tuple(VersionRecord.__dataclass_fields__)


def canonical_bytes(rec: VersionRecord) -> bytes:
    """The bytes the record hash is taken over (see the module docstring)."""
    text = json.dumps(rec.fields(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")  # a lone surrogate cannot be encoded, so it is refused here


def record_hash(rec: VersionRecord) -> bytes:
    """SHA-256 of the record's canonical bytes: a chain link and the Merkle log's leaf data."""
    return hashlib.sha256(canonical_bytes(rec)).digest()


def chain_breaks(records: list[VersionRecord]) -> list[str]:
    """Where one article's records, in version order, fail to chain; empty when they do."""
    problems: list[str] = []
    for before, after in itertools.pairwise(records):
        if after.article_url != before.article_url:
            problems.append(f"version {after.version} belongs to another article")
        if after.version != before.version + 1:
            problems.append(f"version {after.version} follows version {before.version}")
        if after.previous != record_hash(before).hex():
            problems.append(
                f"version {after.version} does not name version {before.version}'s record hash"
            )
    return problems

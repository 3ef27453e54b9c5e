"""WARC export (warcio): each version as the page it was, plus what newsmon read from it.

The file opens with a `warcinfo` record naming newsmon and its version. For every
version: a `response` record for the URL that served the page (after redirects; an
article's own URL may have redirected elsewhere, or changed since) holding the raw HTML
exactly as stored, behind HTTP headers that are reconstructed (newsmon keeps the body
and its encoding, not the original headers, and says so in `X-Newsmon-Headers`), dated
at the capture; then a `metadata` record with the extracted headline, byline, text,
version number, content hash and ledger record hash (with when it was chained and the
first signed checkpoint covering it) as JSON.

The metadata record has a target of its own (`urn:newsmon:article:ID:version:N`) and
points at its response with `WARC-Refers-To` and `WARC-Concurrent-To`. Replay tools
(pywb, ReplayWeb.page) look a capture up by target URI and date: with the page's URL and
the same date, the JSON would shadow the page it describes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from importlib.metadata import version as package_version
from io import BytesIO
from typing import IO, Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from newsmon.read.export import ledger_fields
from newsmon.storage.rawpages import decompress

RECONSTRUCTED = "reconstructed by newsmon: the original response headers were not stored"
DESCRIPTION = (
    "newsmon export: per stored version, a response record (the page as stored, headers "
    "reconstructed) and a metadata record (urn:newsmon:article:ID:version:N, the extracted "
    "text as JSON) referring to it"
)


def http_headers(raw: bytes, encoding: str | None) -> StatusAndHeaders:
    """The honest part of the response we can restate: 200, the type and length of the body."""
    content_type = f"text/html; charset={encoding}" if encoding else "text/html"
    return StatusAndHeaders(
        "200 OK",
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(raw))),
            ("X-Newsmon-Headers", RECONSTRUCTED),
        ],
        protocol="HTTP/1.1",
    )


def metadata(row: Any) -> dict[str, Any]:
    """What newsmon extracted from the page, for the metadata record."""
    return {
        "source": row.source,
        "article_id": row.article_id,
        "url": row.url,
        "fetched_url": row.fetched_url,
        "version": row.number,
        "captured_at": row.captured_at.isoformat(),
        "content_hash": row.content_hash,
        "extractor": row.extractor,
        "title": row.title,
        "byline": row.byline,
        "text": row.text,
        "raw_html_stored": row.raw_html is not None,
        **ledger_fields(row),
    }


def target_uri(row: Any) -> str:
    """The URL the version's body came from. Versions stored before newsmon recorded it
    (0007) fall back to the article's URL, the only one known for them."""
    return row.fetched_url or row.url


def warcinfo() -> dict[str, str]:
    """What produced the file, for its opening `warcinfo` record."""
    return {
        "software": f"newsmon/{package_version('newsmon')} (warcio/{package_version('warcio')})",
        "format": "WARC File Format 1.0",  # warcio writes WARC/1.0 records unless told otherwise
        "description": DESCRIPTION,
    }


def metadata_uri(row: Any) -> str:
    """The metadata record's own target: never the page's URL, which replay looks up."""
    return f"urn:newsmon:article:{row.article_id}:version:{row.number}"


def write_warc(
    rows: Iterable[Any], out: IO[bytes], *, filename: str | None = None
) -> Iterator[int]:
    """A gzipped WARC of `rows` (streamed with their raw HTML); yields after every version.

    Args:
        rows: version rows from `newsmon.read.export.stream_versions(..., raw=True)`.
        out: the binary stream to write to.
        filename: the file's name, for the warcinfo record (none when writing to a pipe).
    """
    writer = WARCWriter(out, gzip=True)
    writer.write_record(writer.create_warcinfo_record(filename, warcinfo()))
    for row in rows:
        date = datetime_to_iso_date(row.captured_at)
        describes: dict[str, str] = {}
        if row.raw_html is not None:
            raw = decompress(row.raw_html) or b""
            response = writer.create_warc_record(
                target_uri(row),
                "response",
                payload=BytesIO(raw),
                length=len(raw),
                http_headers=http_headers(raw, row.encoding),
                warc_headers_dict={"WARC-Date": date},
            )
            writer.write_record(response)
            response_id = response.rec_headers.get_header("WARC-Record-ID")
            describes = {"WARC-Refers-To": response_id, "WARC-Concurrent-To": response_id}
        body = json.dumps(metadata(row), ensure_ascii=False).encode("utf-8")
        record = writer.create_warc_record(
            metadata_uri(row),
            "metadata",
            payload=BytesIO(body),
            length=len(body),
            warc_content_type="application/json",
            warc_headers_dict={"WARC-Date": date, **describes},
        )
        writer.write_record(record)
        yield 1

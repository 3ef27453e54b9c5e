"""WARC export (warcio): each version as the page it was, plus what newsmon read from it.

For every version: a `response` record holding the raw HTML exactly as stored, behind
HTTP headers that are reconstructed (newsmon keeps the body and its encoding, not the
original headers, and says so in `X-Newsmon-Headers`), dated at the capture; then a
`metadata` record, concurrent to it, with the extracted headline, byline, text, version
number and content hash as JSON. Replay tools show the page; scripts read the text.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator
from importlib.metadata import version as package_version
from io import BytesIO
from typing import IO, Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

RECONSTRUCTED = "reconstructed by newsmon: the original response headers were not stored"


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
        "version": row.number,
        "captured_at": row.captured_at.isoformat(),
        "content_hash": row.content_hash,
        "extractor": row.extractor,
        "title": row.title,
        "byline": row.byline,
        "text": row.text,
        "raw_html_stored": row.raw_html is not None,
    }


def write_warc(rows: Iterable[Any], out: IO[bytes]) -> Iterator[int]:
    """A gzipped WARC of `rows` (streamed with their raw HTML); yields after every version."""
    writer = WARCWriter(out, gzip=True)
    info = {"software": f"newsmon/{package_version('newsmon')}", "format": "WARC File Format 1.1"}
    writer.write_record(writer.create_warcinfo_record("newsmon-export.warc.gz", info))
    for row in rows:
        date = datetime_to_iso_date(row.captured_at)
        concurrent: dict[str, str] = {}
        if row.raw_html is not None:
            raw = zlib.decompress(row.raw_html)
            response = writer.create_warc_record(
                row.url,
                "response",
                payload=BytesIO(raw),
                length=len(raw),
                http_headers=http_headers(raw, row.encoding),
                warc_headers_dict={"WARC-Date": date},
            )
            writer.write_record(response)
            concurrent["WARC-Concurrent-To"] = response.rec_headers.get_header("WARC-Record-ID")
        body = json.dumps(metadata(row), ensure_ascii=False).encode("utf-8")
        record = writer.create_warc_record(
            row.url,
            "metadata",
            payload=BytesIO(body),
            length=len(body),
            warc_content_type="application/json",
            warc_headers_dict={"WARC-Date": date, **concurrent},
        )
        writer.write_record(record)
        yield 1

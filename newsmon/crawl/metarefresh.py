"""Scrapy's meta-refresh redirects, read from the start of the page only.

Scrapy's MetaRefreshMiddleware looks for the refresh tag (and `<base href>`) in a page's
first 4,096 characters, but takes them from `response.text`: the whole page decoded on
the crawl's thread, about 0.25 ms for a 175 KiB news page on every check, though the
extraction worker decodes the page again anyway. This one decodes a prefix of the bytes
long enough for those characters in any encoding, with the encoding Scrapy chose, and
hands Scrapy the same answers it would have found.

Most pages name no refresh at all, and in an encoding whose ASCII characters are their own
bytes, and no other bytes', a tag that names one has the bytes of "refresh" in it
(case aside): where those bytes are not in the prefix, the answer is "no refresh" without
decoding anything or reading the base URL.
"""

from __future__ import annotations

from scrapy import Spider
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils import response as scrapy_response
from w3lib import html
from w3lib.encoding import html_to_unicode

from newsmon.core.charsets import ascii_transparent

HEAD_CHARS = 4096  # what Scrapy reads the tag and the base URL from
# No encoding takes more than 4 bytes for a character, nor for its byte-order mark.
HEAD_BYTES = 4 * (HEAD_CHARS + 1)


NO_REFRESH = (None, None)  # what Scrapy's reading gives for a page naming none


def head_text(response: HtmlResponse, encoding: str | None = None) -> str:
    """The first HEAD_CHARS characters of `response.text`, without decoding the rest.
    `encoding`: `response.encoding`, when the caller has it already."""
    charset = f"charset={encoding or response.encoding}"
    return html_to_unicode(charset, response.body[:HEAD_BYTES])[1][:HEAD_CHARS]


def names_no_refresh(body: bytes, encoding: str) -> bool:
    """True when the page's first HEAD_CHARS characters surely name no refresh: Scrapy's
    reading (w3lib) needs "refresh" in a meta tag's attributes, whatever its case."""
    return ascii_transparent(encoding) and b"refresh" not in body[:HEAD_BYTES].lower()


class HeadMetaRefreshMiddleware(MetaRefreshMiddleware):
    """MetaRefreshMiddleware whose page reading costs a prefix, not the page."""

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        # Scrapy's per-response caches are private: should a release rename them, this
        # falls back to Scrapy's own reading (slower, never wrong) instead of failing.
        metaref = getattr(scrapy_response, "_metaref_cache", None)
        baseurl = getattr(scrapy_response, "_baseurl_cache", None)
        if (
            metaref is not None
            and baseurl is not None
            and isinstance(response, HtmlResponse)
            and response not in metaref
        ):
            encoding = response.encoding  # worked out anew on every read: read once
            if names_no_refresh(response.body, encoding):
                metaref[response] = NO_REFRESH
                return super().process_response(request, response)
            text = head_text(response, encoding)
            base = baseurl.get(response)
            if base is None:
                base = html.get_base_url(text, response.url, encoding)
                baseurl[response] = base
            metaref[response] = html.get_meta_refresh(
                text, base, encoding, ignore_tags=self._ignore_tags
            )
        return super().process_response(request, response)

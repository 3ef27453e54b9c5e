"""The meta-refresh middleware reads a page's start as Scrapy reads it, without the rest."""

from __future__ import annotations

import pytest
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Request
from scrapy.utils import response as scrapy_response
from scrapy.utils.test import get_crawler

from newsmon.crawl.metarefresh import HeadMetaRefreshMiddleware, head_text

REFRESH = '<meta http-equiv="refresh" content="0; url=/moved">'


def _page(filler: int, encoding: str, bom: bytes = b"") -> HtmlResponse:
    html = f"<html><head><title>ça été</title>{'é€𝄞' * filler}{REFRESH}</head><body>x</body></html>"
    body = bom + html.encode(encoding)
    headers = {"Content-Type": f"text/html; charset={encoding}"} if not bom else {}
    return HtmlResponse("https://news.example/a", body=body, headers=headers)


@pytest.mark.parametrize(
    "encoding,bom",
    [
        ("utf-8", b""),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-32-le", b"\xff\xfe\x00\x00"),
        ("gb18030", b""),
    ],
)
@pytest.mark.parametrize("filler", [0, 1300, 1345, 1360, 5000])
def test_the_start_of_a_page_is_read_as_scrapy_reads_it_and_redirects_alike(encoding, bom, filler):
    crawler = get_crawler(settings_dict={"METAREFRESH_ENABLED": True})
    ours, scrapys = _page(filler, encoding, bom), _page(filler, encoding, bom)
    assert head_text(ours) == scrapys.text[:4096]
    request = Request("https://news.example/a")
    mine = HeadMetaRefreshMiddleware.from_crawler(crawler).process_response(request, ours)
    theirs = MetaRefreshMiddleware.from_crawler(crawler).process_response(request, scrapys)
    assert type(mine) is type(theirs)
    assert getattr(mine, "url", None) == getattr(theirs, "url", None)
    if filler in (0, 5000):  # the tag well inside the first 4,096 characters, or past them
        assert (getattr(mine, "url", None) == "https://news.example/moved") == (filler == 0)
    assert ours._cached_ubody is None  # the page itself was never decoded whole


NO_REFRESH_PAGES = [
    ("utf-8", '<meta http-equiv="X-UA-Compatible" content="IE=edge"><p>été</p>'),
    ("cp1252", '<meta name="description" content="déjà vu"><p>naïve</p>'),
    ("iso-8859-1", "<p>ça</p>"),
    ("utf-16-le", '<meta http-equiv="refresh" content="0; url=/moved">'),
    ("gb18030", '<meta http-equiv="refresh" content="0; url=/moved">'),
    ("utf-8", '<META HTTP-EQUIV="REFRESH" CONTENT="0; URL=/moved">'),
    ("cp1252", '<meta http-equiv="Refresh" content="5;url=/moved">'),
    ("utf-8", '<script><meta http-equiv="refresh" content="0; url=/moved"></script>'),
]


@pytest.mark.parametrize("encoding,head", NO_REFRESH_PAGES)
def test_a_page_that_names_no_refresh_is_answered_from_its_bytes_as_scrapy_would(encoding, head):
    """Pages that spell no "refresh" are not decoded, nor their base URL read; the rest
    (any case, other encodings) redirect exactly as Scrapy's own middleware has them."""
    crawler = get_crawler(settings_dict={"METAREFRESH_ENABLED": True})
    body = f"<html><head>{head}</head><body>x</body></html>".encode(encoding)
    headers = {"Content-Type": f"text/html; charset={encoding}"}
    ours = HtmlResponse("https://news.example/a", body=body, headers=headers)
    scrapys = HtmlResponse("https://news.example/a", body=body, headers=headers)
    request = Request("https://news.example/a")
    mine = HeadMetaRefreshMiddleware.from_crawler(crawler).process_response(request, ours)
    theirs = MetaRefreshMiddleware.from_crawler(crawler).process_response(request, scrapys)
    assert getattr(mine, "url", None) == getattr(theirs, "url", None)
    spelt = b"refresh" in body.lower()
    assert (ours in scrapy_response._baseurl_cache) == (
        spelt or encoding.startswith(("utf-16", "gb"))
    )

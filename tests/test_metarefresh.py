"""The meta-refresh middleware reads a page's start as Scrapy reads it, without the rest."""

from __future__ import annotations

import pytest
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Request
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

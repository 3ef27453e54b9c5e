"""The web app's edges over a real server: out-of-range ids, zone-less times, HEAD, 405, links."""

from __future__ import annotations

import base64

import feedparser
import httpx
import jsonschema
import pytest

from tests.web_fixtures import serve, web_client

HUGE = 2**63  # one past the largest id a SQL BIGINT holds
INT32 = 2**31  # one past the largest id an INTEGER column holds on PostgreSQL


@pytest.fixture
def web(site, crawler, add_feed, clock, config, db):
    with web_client(site, crawler, add_feed, clock, config, db) as client:
        yield client


@pytest.fixture
def empty(config, clock):
    served = serve(config, clock)
    with httpx.Client(base_url=served.base, timeout=10) as client:
        yield client
    served.stop()


def declared(spec: dict, path: str, status: str) -> dict:
    content = spec["paths"][path]["get"]["responses"][status]["content"]
    return {**content["application/json"]["schema"], "components": spec["components"]}


def test_ids_beyond_any_range_are_not_found_never_500(web):
    spec = web.get("/api/openapi.json").json()
    river = web.ids["river-pollution"]
    cursor = base64.urlsafe_b64encode(f"id:{HUGE * 10}".encode()).decode()
    pages = [
        f"/articles/{HUGE}",
        f"/articles/{INT32}",
        f"/articles/{river}/diff/{INT32}/1",
        "/articles/-1",
        f"/articles/{river}/diff/0/{HUGE}",
        f"/articles/{river}/diff/-5/1",
        f"/articles/{HUGE}/diff/0/1",
        f"/articles/{HUGE}/changes.rss",
    ]
    for path in pages:
        response = web.get(path)
        assert response.status_code == 404, path
        assert "There is no" in response.text or "has no version" in response.text, path
    api = {
        f"/api/articles/{HUGE}": "/api/articles/{article_id}",
        f"/api/articles/{INT32}": "/api/articles/{article_id}",
        f"/api/articles/{river}/versions/{INT32}": "/api/articles/{article_id}/versions/{number}",
        "/api/articles/-7/versions": "/api/articles/{article_id}/versions",
        f"/api/articles/{river}/versions/{HUGE}": "/api/articles/{article_id}/versions/{number}",
        f"/api/articles/{river}/versions/-1": "/api/articles/{article_id}/versions/{number}",
        f"/api/articles/{river}/diff/0/{HUGE * 4}": "/api/articles/{article_id}/diff/{a}/{b}",
        f"/api/articles?cursor={cursor}": "/api/articles",
    }
    for url, path in api.items():
        response = web.get(url)
        assert response.status_code == 404, url
        jsonschema.validate(response.json(), declared(spec, path, "404"))


def test_times_without_a_zone_are_read_as_utc(web):
    river = web.ids["river-pollution"]  # last changed 2026-03-02 15:00 UTC
    for since, included in [
        ("2026-01-01", True),
        ("2026-03-02", True),
        ("2026-03-03", False),
        ("2026-03-02T14:59", True),
        ("2026-03-02T15:01:00", False),
        ("2026-03-02T16:30:00+02:00", True),  # 14:30 UTC
    ]:
        response = web.get("/api/articles", params={"changed_since": since})
        assert response.status_code == 200, (since, response.text)
        ids = [a["id"] for a in response.json()["items"]]
        assert (river in ids) is included, since
    bad = web.get("/api/articles", params={"changed_since": "9999-12-31T23:59:59-14:00"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "changed_since"]
    for number in ("1.38e-185", "1741000000", "-5"):  # not read as seconds since 1970
        bad = web.get("/api/articles", params={"changed_since": number})
        assert bad.status_code == 422, number


def test_head_answers_wherever_get_does(web):
    river = web.ids["river-pollution"]
    paths = [
        "/",
        "/sources/gazette",
        f"/articles/{river}",
        f"/articles/{river}/diff/0/1",
        "/feeds/changes.atom",
        f"/articles/{river}/changes.rss",
        "/api/articles",
        f"/api/articles/{river}/versions/1",
        "/api/openapi.json",
        "/api/docs",
        "/healthz",
        "/metrics",
    ]
    for path in paths:
        got, head = web.get(path), web.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["content-security-policy"] == got.headers["content-security-policy"]
    assert web.head(f"/articles/{HUGE}").status_code == 404


def test_405_says_what_is_allowed(empty):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        for path in ("/", "/articles/1", "/api/articles", "/feeds/changes.rss", "/healthz"):
            response = empty.request(method, path)
            assert response.status_code == 405, (method, path)
            assert response.headers["allow"] == "GET, HEAD", (method, path)


def test_openapi_declares_the_404_and_422_shapes_actually_sent(empty):
    spec = empty.get("/api/openapi.json").json()
    for path, operations in spec["paths"].items():
        responses = operations["get"]["responses"]
        if "{article_id}" in path:
            assert "404" in responses, path
        if operations["get"].get("parameters"):
            assert "422" in responses, path
    forged = empty.get("/api/articles", params={"cursor": "not-a-cursor"})
    too_many = empty.get("/api/articles", params={"limit": "9999"})
    for response in (forged, too_many):
        assert response.status_code == 422
        jsonschema.validate(response.json(), declared(spec, "/api/articles", "422"))


def feed_urls(body: bytes) -> list[str]:
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0 and parsed.entries
    urls = [parsed.feed.link, *(link.href for link in parsed.feed.links)]
    for entry in parsed.entries:
        urls += [entry.id, entry.link]
    return urls


def test_feed_links_come_from_public_url_never_the_host_header(web, config, clock):
    evil = {"Host": "evil.example"}
    bind = f"http://{config.web_host}:{config.web_port}/"
    for path in ("/feeds/changes.rss", "/feeds/changes.atom", "/sources/gazette/changes.rss"):
        response = web.get(path, headers=evil)
        assert b"evil.example" not in response.content, path
        assert all(url.startswith(bind) for url in feed_urls(response.content)), path
    public = serve(config.with_(public_url="https://news.example.org/"), clock)
    try:
        for kind in ("rss", "atom"):
            response = httpx.get(f"{public.base}/feeds/changes.{kind}", headers=evil)
            assert b"evil.example" not in response.content
            urls = feed_urls(response.content)
            assert all(url.startswith("https://news.example.org/") for url in urls), urls
            assert "https://news.example.org/articles/" in " ".join(urls)
    finally:
        public.stop()


def test_control_characters_in_parameters_never_reach_a_query_or_a_page(empty):
    """PostgreSQL refuses NUL in a query: that must be a clear answer, not a 500."""
    spec = empty.get("/api/openapi.json").json()
    nul = empty.get("/api/articles", params={"source": "bugle\x00"})
    assert nul.status_code == 422 and nul.json()["detail"][0]["loc"] == ["query", "source"]
    jsonschema.validate(nul.json(), declared(spec, "/api/articles", "422"))
    for path, status in [
        ("/sources/bu%00gle/changes.rss", 404),
        ("/sources/bu%00gle", 404),
        ("/sources/%1B]0;owned%07%1B[2J", 404),
        ("/search?q=%00", 400),
        ("/search?q=%1B[2Jmayor%00", 200),
    ]:
        response = empty.get(path)
        assert response.status_code == status, path
        assert not any(c in response.text for c in "\x00\x07\x1b"), path


def _secured(response: httpx.Response) -> bool:
    headers = response.headers
    return "default-src 'none'" in headers.get("content-security-policy", "") and (
        headers.get("x-frame-options") == "DENY"
    )


def test_a_cursor_with_no_utc_time_is_a_bad_cursor_with_security_headers(empty):
    # 0001-01-01T00:00:00+14:00 is before year 1 in UTC: once an OverflowError, a 500.
    # A bad cursor is the page's 400 and, as for every bad API parameter, the API's 422.
    cursor = base64.urlsafe_b64encode(b"0001-01-01T00:00:00+14:00|1").decode().rstrip("=")
    for path, status in (("/search", 400), ("/api/search", 422)):
        response = empty.get(path, params={"q": "police", "cursor": cursor})
        assert response.status_code == status, path
        assert "cursor" in response.text and _secured(response), path


def test_control_characters_in_a_source_filter_are_a_bad_request(empty):
    for params in ({"source": "\x00"}, {"source": "a,b\x00c"}, {"q": "police source:\x00"}):
        response = empty.get("/feeds/changes.rss", params=params)
        assert response.status_code == 400, params
        assert _secured(response)
    assert empty.get("/api/search", params={"q": "x source:a\x00"}).status_code == 422


def test_every_error_page_carries_the_security_headers(empty, config):
    from sqlalchemy import text

    from newsmon.storage.db import make_engine

    assert _secured(empty.get("/articles/999"))  # 404
    assert _secured(empty.get("/articles/abc"))  # 400
    engine = make_engine(config.database_url)
    with engine.begin() as conn:  # the database loses a table under the running app
        conn.execute(text("ALTER TABLE versions RENAME TO versions_lost"))
    for path in ("/search?q=police", "/api/search?q=police"):
        # a connection of its own: uvicorn closes the one that carried an exception
        response = httpx.get(f"{empty.base_url}{path}", timeout=10)
        assert response.status_code == 500, path
        assert _secured(response) and "Traceback" not in response.text, path

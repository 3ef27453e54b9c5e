"""The web app over a database filled by real crawls: pages, diffs, feeds, API, safety."""

from __future__ import annotations

import re
import urllib.request

import feedparser
import jsonschema
import pytest

from tests.web_fixtures import SOURCE_NAME, XSS_BODY, XSS_TITLE, web_client


@pytest.fixture
def web(site, crawler, add_feed, clock, config, db):
    with web_client(site, crawler, add_feed, clock, config, db) as client:
        yield client


def text_of(html: str) -> str:
    html = re.sub(r"<(style|head)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_home_lists_changes_newest_first_with_old_headlines(web):
    page = web.get("/")
    assert page.status_code == 200
    html = page.text
    first = html.index("Water firm admits dumping sewage in river")
    assert first < html.index("/diff/0/1")
    assert "was: Council reviews river pollution cases" in text_of(html)
    assert f'href="/articles/{web.ids["river-pollution"]}/diff/1/2"' in html
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_article_page_has_the_exemplar_header_and_no_empty_field(web):
    page = web.get(f"/articles/{web.ids['river-pollution']}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert f"This article is from {SOURCE_NAME} and was first published on 2026-01-01" in text
    assert "'gazette'" not in text
    assert "It last changed" in text and "it is checked every 15 minutes" in text
    assert "You can find the current article at its original source at http" in text
    assert "The article has changed 2 times" in text
    assert "RSS feed of changes" in text
    assert "(about 4 hours later)" in text and "(about 2 hours later)" in text
    assert '<link rel="alternate" type="application/rss+xml"' in page.text
    assert not re.search(r"\bon \.|on\s*$|:\s*\.", text)  # no "seen on ." as in the exemplar
    assert "None" not in text


def test_diff_page_marks_exactly_the_changed_words(web):
    article = web.ids["river-pollution"]
    page = web.get(f"/articles/{article}/diff/0/1")
    assert page.status_code == 200
    deleted = re.findall(r"<del>(.*?)</del>", page.text)
    inserted = re.findall(r"<ins>(.*?)</ins>", page.text)
    assert "now admits it dumped sewage" in " ".join(inserted)
    assert "officials in the county said on Tuesday" in " ".join(deleted)
    for unchanged in ("Paragraph 2 of the river-pollution report", "according to documents"):
        assert all(unchanged not in span for span in inserted + deleted)
    assert 'rel="next"' in page.text and 'rel="prev"' not in page.text
    headline = web.get(f"/articles/{article}/diff/1/2")
    assert (
        "<ins>Water firm admits dumping sewage in river</ins>" in headline.text.replace("\n", "")
        or "<ins>Water" in headline.text
    )
    inline = web.get(f"/articles/{article}/diff/0/1?mode=inline")
    assert "<ins>" in inline.text and 'class="inline"' in inline.text


def test_search_by_url_redirects_and_by_words_lists(web, site):
    found = web.get("/search", params={"q": site.url("/news/river-pollution?utm_source=x")})
    assert found.status_code == 303
    assert found.headers["location"] == f"/articles/{web.ids['river-pollution']}"
    words = web.get("/search", params={"q": "sewage river"})
    assert "Water firm admits" in words.text and "quiet council" not in words.text.lower()


def test_sources_pages(web):
    assert "gazette" in web.get("/sources").text
    page = web.get("/sources/gazette?sort=most-changed")
    assert page.status_code == 200
    assert "3 active, 0 frozen, 0 gone" in text_of(page.text)
    assert page.text.index("Water firm") < page.text.index("Council reviews quiet council cases")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/articles/999999", 404),
        ("/articles/1/diff/0/99", 404),
        ("/sources/nope", 404),
        ("/articles/abc", 400),
        ("/?page=-3", 400),
        ("/search", 400),
        ("/api/articles/999999", 404),
        ("/api/articles?limit=0", 422),
        ("/api/articles?cursor=%%", 422),
        ("/feeds/changes.txt", 404),
    ],
)
def test_errors_are_clear_never_500(web, path, status):
    response = web.get(path)
    assert response.status_code == status
    if path.startswith("/api/"):
        assert "detail" in response.json()


def test_the_app_is_read_only(web):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert web.request(method, "/").status_code == 405
        assert web.request(method, f"/api/articles/{web.ids['hostile']}").status_code == 405


FEEDS = [
    "/feeds/changes.rss",
    "/feeds/changes.atom",
    "/sources/gazette/changes.rss",
    "/sources/gazette/changes.atom",
]


@pytest.mark.parametrize("path", FEEDS)
def test_feeds_parse_cleanly_newest_first_and_answer_304(web, path):
    body = urllib.request.urlopen(str(web.base_url).rstrip("/") + path, timeout=10)
    etag = body.headers["ETag"]
    parsed = feedparser.parse(body.read())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    titles = [e.title for e in parsed.entries]
    assert titles[0] == "‘Water firm admits dumping sewage in river’ changed (version 2)"
    assert len(titles) == 3  # river-pollution 1 and 2, hostile 1
    guids = [e.id for e in parsed.entries]
    assert len(set(guids)) == 3
    assert all("/diff/" in e.link for e in parsed.entries)
    assert "<ins>" in parsed.entries[0].summary or "<ins>" in parsed.entries[1].summary
    again = web.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


def test_article_feed_and_its_etag_changes_with_a_new_version(web, site, crawler, clock):
    path = f"/articles/{web.ids['river-pollution']}/changes.rss"
    first = web.get(path)
    parsed = feedparser.parse(first.content)
    assert parsed.bozo == 0 and [e.title.split("(")[1] for e in parsed.entries] == [
        "version 2)",
        "version 1)",
    ]
    site.edit("river-pollution", paragraph=(0, "A new first paragraph."))
    clock.advance(hours=1)
    crawler.once(everything=True)
    assert web.get(path, headers={"If-None-Match": first.headers["etag"]}).status_code == 200


def test_api_matches_its_openapi_schema(web):
    spec = web.get("/api/openapi.json").json()
    article = web.ids["river-pollution"]
    checks = {
        "/api/sources": ("/api/sources", "get"),
        "/api/articles?limit=2": ("/api/articles", "get"),
        f"/api/articles/{article}": ("/api/articles/{article_id}", "get"),
        f"/api/articles/{article}/versions": ("/api/articles/{article_id}/versions", "get"),
        f"/api/articles/{article}/versions/1": (
            "/api/articles/{article_id}/versions/{number}",
            "get",
        ),
        f"/api/articles/{article}/diff/0/1": ("/api/articles/{article_id}/diff/{a}/{b}", "get"),
    }
    for url, (path, method) in checks.items():
        response = web.get(url)
        assert response.status_code == 200, url
        schema = spec["paths"][path][method]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]
        resolver_schema = {**schema, "components": spec["components"]}
        jsonschema.validate(response.json(), resolver_schema)
    page = web.get("/api/articles?limit=2").json()
    rest = web.get("/api/articles", params={"cursor": page["next_cursor"], "limit": 2}).json()
    ids = [a["id"] for a in page["items"] + rest["items"]]
    assert len(ids) == 3 == len(set(ids)) and rest["next_cursor"] is None
    diff = web.get(f"/api/articles/{article}/diff/0/1").json()
    assert [r["kind"] for r in diff["rows"]].count("equal") == 4  # 5 paragraphs, one rewritten
    assert any(s["op"] == "insert" for r in diff["rows"] for s in r["new"])


def test_untrusted_text_is_escaped_on_every_page_and_feed(web):
    hostile = web.ids["hostile"]
    pages = [
        "/",
        f"/articles/{hostile}",
        f"/articles/{hostile}/diff/0/1",
        f"/articles/{hostile}/diff/0/1?mode=inline",
        "/sources/gazette",
        "/search?q=Mayor",
    ]
    for path in pages:
        html = web.get(path).text
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html and "<b>bold" not in html, path
        assert "&lt;script&gt;" in html, path
    for path in [*FEEDS, f"/articles/{hostile}/changes.rss"]:
        raw = web.get(path).text
        assert "<script>" not in raw and "<img src=x" not in raw, path
        parsed = feedparser.parse(raw, sanitize_html=False)
        entry = next(e for e in parsed.entries if "Mayor" in e.title)
        assert entry.title == f"‘{XSS_TITLE}’ changed (version 1)"  # shown as text
        assert "<script>" not in entry.summary and "&lt;script&gt;" in entry.summary
    api = web.get(f"/api/articles/{hostile}/versions/0").json()
    assert api["title"] == XSS_TITLE and XSS_BODY in api["text"]  # JSON keeps it as data

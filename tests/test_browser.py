"""A person's path through the web app in headless Chromium, with a screenshot of a diff."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from tests.newssite import Story
from tests.web_fixtures import fill, serve

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OUTPUT = Path(__file__).resolve().parents[1] / "test-output"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run does")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


def test_home_to_article_to_diff_shows_highlighted_changes(
    browser, site, crawler, add_feed, clock, config, tmp_path
):
    fill(site, crawler, add_feed, clock)
    served = serve(config, clock)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(served.base + "/")
        page.get_by_role("link", name="Water firm admits dumping sewage in river").first.click()
        page.wait_for_url("**/articles/*")
        assert "The article has changed 2 times" in page.inner_text("main")
        page.get_by_role("link", name="diff with version 0").click()
        page.wait_for_url("**/diff/0/1")

        inserted, deleted = page.locator("td.new ins"), page.locator("td.old del")
        assert inserted.count() >= 1 and deleted.count() >= 1
        assert inserted.first.is_visible() and deleted.first.is_visible()
        assert "now admits it dumped sewage" in " ".join(inserted.all_inner_texts())
        background = inserted.first.evaluate("e => getComputedStyle(e).backgroundColor")
        assert background not in ("rgba(0, 0, 0, 0)", "transparent")

        OUTPUT.mkdir(exist_ok=True)
        shot = OUTPUT / "diff-page.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        page.get_by_role("link", name="next change →").click()
        page.wait_for_url("**/diff/1/2?*")
        assert page.locator("tr.headline-diff ins").count() >= 1
    finally:
        served.stop()


def test_api_page_lists_every_endpoint_with_the_network_off(browser, config, clock):
    """Only the app itself is reachable: a page needing a CDN would show nothing here."""
    served = serve(config, clock)
    elsewhere: list[str] = []

    def only_the_app(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith(served.base + "/"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    try:
        context = browser.new_context()
        context.route("**/*", only_the_app)
        page = context.new_page()
        blocked: list[str] = []
        page.on("console", lambda m: blocked.append(m.text) if m.type == "error" else None)
        response = page.goto(served.base + "/")
        assert response is not None and response.ok
        page.get_by_role("link", name="API").click()
        page.wait_for_url("**/api/docs")
        csp = httpx.get(served.base + "/api/docs").headers["content-security-policy"]
        assert csp.startswith("default-src 'none'") and "script-src" not in csp
        listed = page.locator("ul.endpoints li").all_inner_texts()
        spec = httpx.get(served.base + "/api/openapi.json").json()
        expected = {f"GET {path}" for path in spec["paths"]}
        assert set(listed) == expected and len(expected) == 9  # 6 read, 2 ledger, search
        assert page.get_by_text("Example: /api/articles/1/versions/0").is_visible()
        page.get_by_role("link", name="/api/articles", exact=True).click()
        page.wait_for_url("**/api/articles")
        # waits (on the page, not a clock) until the JSON body has arrived: under load
        # the page's content was read after the URL changed but before the body came
        page.wait_for_function("document.body && document.body.innerText.includes('items')")
        assert '"items"' in page.content()
        assert elsewhere == [] and blocked == []
    finally:
        served.stop()


ARABIC = [
    "أعلن المجلس البلدي يوم الثلاثاء أن الجسر القديم سيغلق أمام السيارات لمدة عام كامل.",
    "وقال مسؤولون إن أعمال الصيانة ستبدأ الشهر المقبل وستكلف نحو عشرين مليون دينار.",
    "وأضاف المتحدث باسم المجلس أن الحافلات ستسلك طريقا بديلا طوال فترة الإغلاق.",
]


@pytest.mark.sqlite_only
def test_an_arabic_diff_reads_right_to_left_inside_the_english_page(
    browser, site, crawler, add_feed, clock, config
):
    site.publish(Story(slug="jisr", title="إغلاق الجسر القديم", paragraphs=list(ARABIC), lang="ar"))
    add_feed("akhbar", site.url("/feeds/rss.xml"))
    crawler.once()
    site.edit("jisr", paragraph=(1, ARABIC[1].replace("عشرين", "ثلاثين")))
    clock.advance(minutes=20)
    assert crawler.once().articles_changed == 1
    served = serve(config, clock)
    try:
        context = browser.new_context(viewport={"width": 1100, "height": 800})
        context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(served.base + "/")
                else route.abort("internetdisconnected")
            ),
        )
        page = context.new_page()
        page.goto(served.base + "/")
        page.get_by_role("link", name="diff", exact=True).first.click()
        page.wait_for_url("**/diff/0/1")
        changed = page.locator("tr.changed td.new").first
        assert "ثلاثين" in changed.inner_text()
        assert changed.evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert changed.get_attribute("lang") == "ar"
        headline = page.locator("tr.headline-diff td.new")
        assert headline.evaluate("e => getComputedStyle(e).direction") == "rtl"
        # laid out from the right: the short headline ends at its cell's right edge
        cell = headline.bounding_box()
        line = headline.evaluate(
            "e => { const r = document.createRange(); r.selectNodeContents(e);"
            " const b = r.getClientRects()[0]; return {left: b.left, right: b.right}; }"
        )
        assert cell is not None and cell["x"] + cell["width"] - line["right"] < 12
        assert line["left"] - cell["x"] > cell["width"] / 3
        assert page.locator("nav.pager").evaluate("e => getComputedStyle(e).direction") == "ltr"
    finally:
        served.stop()

"""Reading in headless Chromium with the network cut off: a version whole, the page as
captured (sandboxed, nothing fetched), a phone-width diff, dark mode, marked insertions."""

from __future__ import annotations

import pytest

from tests.newssite import Story
from tests.test_browser import browser  # noqa: F401  (the fixture)
from tests.web_fixtures import fill, serve

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]  # the browser is what is tested


def app_only(context, base: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Every request the pages make, in order; any outside the app is refused."""
    asked: list[str] = []

    def route(r) -> None:  # type: ignore[no-untyped-def]
        asked.append(r.request.url)
        if r.request.url.startswith(base + "/"):
            r.continue_()
        else:
            r.abort("internetdisconnected")

    context.route("**/*", route)
    return asked


HOSTILE_PARAGRAPHS = [
    "The harbour board voted on Tuesday to close the old pier to all traffic for a year.",
    "Engineers said the timber supports had rotted and repairs would cost four million.",
    "Fishing boats will moor at the new quay on the eastern side while the work goes on.",
]


def hostile_page(site_base: str) -> str:
    """A captured page that tries to run a script, load a tracker and leave the page.

    (No meta refresh: Scrapy follows one at capture, so it never reaches the record.)"""
    body = "".join(f"<p>{p}</p>" for p in HOSTILE_PARAGRAPHS)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Old pier to close for a year - Loopback Gazette</title>
<link rel="stylesheet" href="{site_base}/style.css">
<script src="{site_base}/tracker.js"></script>
<script>document.documentElement.setAttribute("data-ran", "yes");
fetch("{site_base}/beacon"); location.href = "{site_base}/elsewhere";</script>
</head><body><article><h1>Old pier to close for a year</h1>
<p class="byline">By Jane Reporter</p>{body}
<img src="{site_base}/img/pier.jpg" alt="The pier"><img src="/img/local.jpg" alt="">
<iframe src="{site_base}/embed"></iframe></article></body></html>"""


def test_a_version_reads_whole_and_its_captured_page_runs_nothing_and_fetches_nothing(
    browser,  # noqa: F811
    site,
    crawler,
    add_feed,
    clock,
    config,
):
    site.publish(
        Story(
            slug="old-pier",
            title="Old pier to close for a year",
            paragraphs=list(HOSTILE_PARAGRAPHS),
            page_html=hostile_page(site.base),
        )
    )
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    served = serve(config, clock)
    try:
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        asked = app_only(context, served.base)
        page = context.new_page()
        page.goto(served.base + "/articles/1")
        page.get_by_role("link", name="Version 0", exact=True).click()
        page.wait_for_url("**/articles/1/versions/0")
        story = page.locator("article.story").inner_text()
        for paragraph in HOSTILE_PARAGRAPHS:
            assert paragraph in story
        site_hits = len(site.log)
        page.get_by_role("link", name="view as captured").click()
        page.wait_for_url("**/articles/1/versions/0/captured")
        page.wait_for_load_state("load")
        assert page.get_by_role("heading", name="Old pier to close for a year").is_visible()
        assert "Engineers said the timber supports" in page.inner_text("body")
        assert page.evaluate("document.documentElement.getAttribute('data-ran')") is None
        assert page.url.endswith("/articles/1/versions/0/captured")
        outside = [u for u in asked if not u.startswith(served.base + "/")]
        assert outside == [], outside
        assert len(site.log) == site_hits  # the news site heard nothing from the reader
        assert not any(u.endswith(("/img/local.jpg", "/tracker.js")) for u in asked)
    finally:
        served.stop()


def no_overflow(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    wide = page.evaluate(
        """w => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > w + 1 && e.offsetParent !== null)
            .map(e => e.tagName + '.' + e.className)""",
        width,
    )
    assert wide == [], wide


def test_at_390px_the_diff_is_inline_and_nothing_runs_off_the_screen(
    browser,  # noqa: F811
    site,
    crawler,
    add_feed,
    clock,
    config,
):
    fill(site, crawler, add_feed, clock)
    served = serve(config, clock)
    try:
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        app_only(context, served.base)
        page = context.new_page()
        page.goto(served.base + "/")
        no_overflow(page)
        search = page.get_by_label("search").bounding_box()
        assert search is not None and search["x"] + search["width"] <= 390
        page.get_by_role("link", name="diff", exact=True).first.click()
        page.wait_for_url("**/diff/*/*")
        assert not page.locator("table.diff").is_visible()
        inline = page.locator(".inline")
        assert inline.is_visible() and inline.locator("ins").first.is_visible()
        no_overflow(page)
        for path in ("/articles/1", "/articles/1/versions/1", "/sources", "/api/docs"):
            page.goto(served.base + path)
            no_overflow(page)
        wide = browser.new_page(viewport={"width": 1280, "height": 900})
        wide.goto(page.url.replace("/api/docs", "/articles/1/diff/0/1"))
        assert wide.locator("table.diff").is_visible()
        assert not wide.locator(".inline").is_visible()
        wide.close()
    finally:
        served.stop()


def luminance(css_rgb: str) -> float:
    r, g, b = (int(x) for x in css_rgb[css_rgb.index("(") + 1 : -1].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_colour_scheme_and_insertions_marked_by_more_than_colour(
    browser,  # noqa: F811
    site,
    crawler,
    add_feed,
    clock,
    config,
    scheme,
):
    fill(site, crawler, add_feed, clock)
    served = serve(config, clock)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
        app_only(context, served.base)
        page = context.new_page()
        page.goto(served.base + "/articles/1/diff/0/1")
        style = "(e, p) => getComputedStyle(e)[p]"
        background = page.locator("body").evaluate(style, "backgroundColor")
        text = page.locator("body").evaluate(style, "color")
        if scheme == "dark":
            assert luminance(background) < 0.2 < 0.7 < luminance(text)
        else:
            assert luminance(background) > 0.8 > 0.3 > luminance(text)
        ins, deleted = page.locator("td.new ins").first, page.locator("td.old del").first
        assert "underline" in ins.evaluate(style, "textDecorationLine")
        assert "line-through" in deleted.evaluate(style, "textDecorationLine")
    finally:
        served.stop()

"""The story's fingerprint (newsmon.extract.storyprint) and when the record trusts it
(newsmon.record.reading): whatever a full extraction would read differently, the
fingerprint must miss; an unchanged story under new chrome must match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsmon.extract.fastread import read_page
from newsmon.extract.page import extract
from newsmon.extract.storyprint import StoryPrint
from newsmon.record.reading import (
    FULL_AFTER,
    FULL_EVERY,
    NET_DOUBLINGS,
    StoryAnchor,
    anchor_after_full,
    anchor_due,
    net_anchor,
)
from tests import storypages
from tests.newssite import story

URL = "http://post.example/news/probe"
ADDED = "<p>The minister later said the figures would be revised again before the vote.</p>"

BODY, ARTICLE, TEXT, TAGS = (
    '<div class="article-body">',
    '<article class="article">',
    '<div class="text">',
    '<div class="tags">',
)
# Edits to a page of each layout: (layout, what, HTML replaced, replacement).
EDITS = [
    ("front", "word", "reviewed 10 cases", "reviewed 11 cases"),
    ("front", "first paragraph", BODY + "\n", BODY + ADDED),
    ("front", "before the body", BODY, ADDED + BODY),
    ("front", "after the body", "</div>\n</article>", "</div>" + ADDED + "</article>"),
    ("front", "before the article", ARTICLE, ADDED + ARTICLE),
    ("front", "after the article", "</article>", "</article>" + ADDED),
    ("front", "in the sidebar", '<aside class="sidebar">', '<aside class="sidebar">' + ADDED),
    ("front", "headline", "Council reviews probe cases", "Council admits it"),
    ("front", "visible headline only", 'headline">Council reviews', 'headline">Council halts'),
    ("front", "paragraph turned aside", "<p>Paragraph 2", "<aside>Paragraph 2"),
    ("front", "promo made a paragraph", '<aside class="inline-promo">', "<div>"),
    ("split", "word", "reviewed 12 cases", "reviewed 21 cases"),
    ("split", "before the text", TEXT, ADDED + TEXT),
    ("split", "after the text", "</div>" + TAGS, "</div>" + ADDED + TAGS),
    ("split", "in the tags", TAGS, TAGS + ADDED),
]

LAYOUTS = {"front": storypages.front, "split": storypages.split, "moved": storypages.moved}


def _edited(layout: str, old: str, new: str) -> tuple[str, str]:
    page = LAYOUTS[layout](story("probe"), 1)
    assert old in page
    return page, page.replace(old, new)


# How a page reaches the reader: as text (the CLI, these tests), or as the bytes served with
# the encoding the response declared (the crawl's workers), which take other routes to a tree.
SERVED = {
    "text": lambda page: (page, None),
    "utf-8 bytes": lambda page: (page.encode("utf-8"), "utf-8"),
    "cp1252 bytes": lambda page: (page.encode("cp1252", "xmlcharrefreplace"), "cp1252"),
    "cp1251 bytes": lambda page: (page.encode("cp1251", "xmlcharrefreplace"), "windows-1251"),
    "utf-16 bytes": lambda page: (page.encode("utf-16"), "utf-16"),
}


def _read(page: str, served: str, remembered: StoryPrint | None = None):
    body, encoding = SERVED[served](page)
    return read_page(body, URL, encoding=encoding, remembered=remembered)


def _full_differs(page: str, edited: str) -> bool:
    before, after = extract(page, URL), extract(edited, URL)
    return (before.title, before.text) != (after.title, after.text)


@pytest.mark.parametrize("served", SERVED)
@pytest.mark.parametrize(
    ("layout", "what", "old", "new"), EDITS, ids=[f"{e[0]}: {e[1]}" for e in EDITS]
)
def test_whatever_full_extraction_reads_differently_misses_the_fingerprint(
    layout, what, old, new, served
):
    page, edited = _edited(layout, old, new)
    first = _read(page, served)
    assert first.extracted is not None and first.story is not None
    if _full_differs(page, edited):
        assert _read(edited, served, first.story).extracted is not None


def test_the_edits_above_include_many_that_full_extraction_sees():
    seen = [e[1] for e in EDITS if _full_differs(*_edited(e[0], e[2], e[3]))]
    assert len(seen) >= 5, seen


@pytest.mark.parametrize("served", SERVED)
@pytest.mark.parametrize("layout", ["front", "moved"])
def test_new_chrome_around_an_unchanged_story_matches(layout, served):
    draw = LAYOUTS[layout]
    first = _read(draw(story("probe"), 1), served)
    assert first.story is not None
    for views in (2, 3, 40):
        assert _read(draw(story("probe"), views), served, first.story).extracted is None


@pytest.mark.parametrize("served", ["text", "utf-8 bytes"])
def test_a_page_only_trafilaturas_repairs_make_readable_still_takes_the_fast_path(served):
    """A self-closed `<html ... />` leaves libxml2 an empty document (trafilatura repairs
    the text first); the fingerprint's tree must hold the story all the same, or the page
    would be extracted in full on every check."""

    def broken(views: int) -> str:
        page = storypages.front(story("probe"), views)
        assert '<html lang="en">' in page
        return page.replace('<html lang="en">', '<html lang="en" />\n', 1)

    first = _read(broken(1), served)
    assert first.extracted is not None and first.story is not None
    assert _read(broken(2), served, first.story).extracted is None
    edited = broken(2).replace("reviewed 10 cases", "reviewed 11 cases")
    assert _read(edited, served, first.story).extracted is not None


@pytest.mark.parametrize("served", ["text", "utf-8 bytes", "cp1252 bytes", "cp1251 bytes"])
@pytest.mark.parametrize("control", ["\x00", "\x0c", "\x1b"])
def test_control_characters_in_the_story_neither_hide_an_edit_nor_block_the_fast_path(
    control, served
):
    """trafilatura strips C0 controls before parsing (libxml2 cannot take them); the
    fingerprint's tree keeps them as text, and must still find the story's lines in it
    and see an edit after them, whichever route the page takes."""
    marked = story("probe")
    marked.paragraphs[2] = marked.paragraphs[2].replace("officials", f"offi{control}cials")
    page = storypages.front(marked, 1)
    first = _read(page, served)
    assert first.extracted is not None and first.story is not None
    again = _read(storypages.front(marked, 2), served, first.story)
    assert again.extracted is None  # new chrome, the same story: the fast path
    edited = storypages.front(marked, 2).replace("would publish its findings", "will publish")
    assert _read(edited, served, first.story).extracted is not None


def _bare(paragraphs: list[str], request: int) -> str:
    """A story written straight into `<body>`, no container, and what a site's cache
    appends after `</html>`, on some requests only: the HTML parser moves the whitespace
    after `</html>` into `<body>`."""
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    after = f"\n<!-- served from cache, request {request} -->\n" if request % 2 else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><title>Council reviews probe cases</title>'
        f"</head><body><h1>Council reviews probe cases</h1>\n{body}</body></html>{after}"
    )


@pytest.mark.parametrize("served", ["text", "utf-8 bytes"])
def test_a_story_held_by_body_takes_the_fast_path_whatever_follows_the_page(served):
    paragraphs = story("probe").paragraphs
    first = _read(_bare(paragraphs, 1), served)
    assert first.extracted is not None and first.story is not None
    assert _read(_bare(paragraphs, 2), served, first.story).extracted is None
    edited = [paragraphs[0].replace("10 cases", "11 cases"), *paragraphs[1:]]
    assert _read(_bare(edited, 3), served, first.story).extracted is not None
    added = [*paragraphs, "The minister later said the figures would be revised."]
    assert _read(_bare(added, 4), served, first.story).extracted is not None


def test_a_story_nested_thousands_deep_takes_the_fast_path_and_an_edit_misses():
    """The fingerprint's walks keep their own stacks: a page nested deeper than Python's
    recursion limit is fingerprinted like any other."""
    depth = 2000  # past Python's recursion limit; trafilatura reads nothing much deeper

    def page(paragraphs: list[str], views: int) -> str:
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        return (
            f'<html><head><title>Council reviews probe cases</title></head><body class="v{views}">'
            f"{'<div>' * depth}<h1>Council reviews probe cases</h1>{body}{'</div>' * depth}"
            f"<div>{views} reading now</div></body></html>"
        )

    paragraphs = story("probe").paragraphs
    first = read_page(page(paragraphs, 1), URL)
    assert first.extracted is not None and first.story is not None
    assert len(first.story.path) > depth
    assert read_page(page(paragraphs, 2), URL, remembered=first.story).extracted is None
    edited = [*paragraphs[:-1], paragraphs[-1].replace("next month", "next year")]
    assert read_page(page(edited, 2), URL, remembered=first.story).extracted is not None


def test_a_page_with_more_tags_than_any_article_is_extracted_in_full_on_every_check():
    """lexbor slows sharply on thousands of unclosed elements: such a page gets no
    fingerprint tree, and so no fast path, rather than a parse a publisher could make
    take seconds on every check."""
    from newsmon.extract.storydom import MAX_TAGS

    page = storypages.front(story("probe"), 1)
    padded = page.replace("</footer>", "<span>" * MAX_TAGS + "</footer>")
    first = read_page(padded, URL)
    assert (
        first.extracted is not None and first.extracted.text == read_page(page, URL).extracted.text
    )
    assert first.story is None
    remembered = read_page(page, URL).story
    assert read_page(padded, URL, remembered=remembered).extracted is not None


def test_a_story_that_moved_misses_and_is_located_anew():
    first = read_page(storypages.front(story("probe"), 1), URL)
    moved = read_page(storypages.moved(story("probe"), 2), URL, remembered=first.story)
    assert moved.extracted is not None and moved.story is not None
    assert moved.story.path != first.story.path


@pytest.mark.parametrize(
    ("layout", "what", "old", "new"), EDITS, ids=[f"{e[0]}: {e[1]}" for e in EDITS]
)
def test_the_safety_net_extracts_in_full_and_keeps_the_region_only_where_it_is_unchanged(
    layout, what, old, new
):
    page, edited = _edited(layout, old, new)
    first = read_page(page, URL)
    assert first.story is not None
    again = read_page(page + "<!-- again -->", URL, remembered=first.story, full=True)
    assert again.extracted == first.extracted  # extracted in full all the same
    assert again.region_unchanged and again.story == first.story  # not located again
    net = read_page(edited, URL, remembered=first.story, full=True)
    assert net.extracted == extract(edited, URL)
    if _full_differs(page, edited):
        assert not net.region_unchanged  # located anew
        assert net.story == read_page(edited, URL).story


def _anchor(**changes: object) -> StoryAnchor:
    values: dict[str, object] = {
        "story": StoryPrint((1, 2, 0), "f" * 64),
        "extractor": "x 1",
        "digest": "d",
        "full_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    values.update(changes)
    return StoryAnchor(**values)  # type: ignore[arg-type]


def test_an_anchor_survives_the_database_and_a_broken_one_means_a_full_extraction():
    anchor = _anchor(fast=3)
    assert StoryAnchor.from_json(anchor.to_json()) == anchor
    for broken in (None, "", "{", "[]", '{"path": "x"}', anchor.to_json().replace('"fast":3', "")):
        assert StoryAnchor.from_json(broken) is None


def test_the_fast_path_is_tried_only_on_the_latest_text_and_before_the_safety_net():
    now = datetime(2026, 1, 2, tzinfo=UTC)
    due = {"extractor": "x 1", "latest_hash": "d", "now": now}
    assert anchor_due(_anchor(), **due) is not None
    assert anchor_due(None, **due) is None
    assert anchor_due(_anchor(extractor="x 2"), **due) is None  # an upgrade re-reads in full
    assert anchor_due(_anchor(digest="flapped"), **due) is None  # not the stored text
    assert anchor_due(_anchor(fast=FULL_EVERY), **due) is None
    assert anchor_due(_anchor(fast=FULL_EVERY - 1), **due) is not None
    late = {**due, "now": datetime(2026, 1, 1, tzinfo=UTC) + FULL_AFTER}
    assert anchor_due(_anchor(), **late) is None
    naive = {**due, "now": now.replace(tzinfo=None)}  # SQLite's datetimes come back naive
    assert anchor_due(_anchor(), **naive) is not None
    early = {**late, "now": late["now"] - timedelta(seconds=1)}
    assert anchor_due(_anchor(), **early) is not None


def test_the_safety_net_checks_against_the_anchor_the_fast_path_would_have_used():
    now = datetime(2026, 1, 2, tzinfo=UTC)
    due = {"extractor": "x 1", "latest_hash": "d", "now": now}
    assert net_anchor(_anchor(), **due) is None  # the fast path's turn, not the net's
    assert net_anchor(_anchor(fast=FULL_EVERY), **due) == _anchor(fast=FULL_EVERY)
    late = {**due, "now": datetime(2026, 1, 1, tzinfo=UTC) + FULL_AFTER}
    assert net_anchor(_anchor(), **late) == _anchor()
    assert net_anchor(_anchor(fast=FULL_EVERY, extractor="x 2"), **due) is None
    assert net_anchor(_anchor(fast=FULL_EVERY, digest="flapped"), **due) is None
    assert net_anchor(None, **due) is None


def test_each_safety_net_that_finds_the_fingerprint_right_doubles_the_wait_for_the_next():
    now = datetime(2026, 1, 2, tzinfo=UTC)
    due = {"extractor": "x 1", "latest_hash": "d", "now": now}
    audited = _anchor().after_net(now)
    assert (audited.fast, audited.audits, audited.full_at) == (0, 1, now)
    assert anchor_due(_anchor(fast=FULL_EVERY, audits=1), **due) is not None
    assert anchor_due(_anchor(fast=2 * FULL_EVERY, audits=1), **due) is None
    most = FULL_EVERY * 2**NET_DOUBLINGS  # the doubling stops: a net at least this often
    assert anchor_due(_anchor(fast=most - 1, audits=50), **due) is not None
    assert anchor_due(_anchor(fast=most, audits=50), **due) is None
    late = {**due, "now": datetime(2026, 1, 1, tzinfo=UTC) + FULL_AFTER}
    assert anchor_due(_anchor(audits=50), **late) is None  # and at least every FULL_AFTER
    old = _anchor(fast=3).to_json().replace(',"audits":0', "")  # stored before audits
    assert StoryAnchor.from_json(old) == _anchor(fast=3)


def test_a_full_extraction_remembers_the_story_and_a_net_proved_wrong_forgets_it():
    now = datetime(2026, 1, 2, tzinfo=UTC)
    located, net = StoryPrint((0, 3), "e" * 64), _anchor(fast=FULL_EVERY, audits=2)
    after = {"extractor": "x 1", "digest": "d", "at": now}
    # A story located anew starts with no audits (a changed region, or no net at all).
    fresh = anchor_after_full(located, region_unchanged=False, net=net, **after)
    assert fresh == StoryAnchor(located, "x 1", "d", now)
    # The net found region and text unchanged: the same anchor, one more audit.
    agreed = anchor_after_full(net.story, region_unchanged=True, net=net, **after)
    assert agreed == _anchor(full_at=now, audits=3)
    # The region unchanged, the text not: the fingerprint missed an edit on this page.
    wrong = {**after, "digest": "edited"}
    assert anchor_after_full(net.story, region_unchanged=True, net=net, **wrong) is None
    assert anchor_after_full(None, region_unchanged=False, net=None, **after) is None


def test_on_real_pages_a_word_changed_in_the_story_misses_the_fingerprint():
    from tests.data import benchmark_pages

    seen = 0
    for _, url, page, _ in benchmark_pages():
        first = read_page(page, url)
        assert first.extracted is not None
        if first.story is None:
            continue
        lines = first.extracted.text.split("\n")
        word = max(lines[len(lines) // 2].split(), key=len)
        edited = page.replace(word, word + "x", 1)
        assert read_page(page + "<!-- again -->", url, remembered=first.story).extracted is None
        again = read_page(edited, url, remembered=first.story).extracted
        if again is None:  # the fingerprint matched: a full extraction must see no edit
            again = extract(edited, url)
            assert (again.title, again.text) == (first.extracted.title, first.extracted.text), url
        else:  # it missed, and read in full: count the edits full extraction sees
            seen += (again.title, again.text) != (first.extracted.title, first.extracted.text)
    assert seen >= 45

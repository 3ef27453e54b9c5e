"""Article extraction: page bytes in, headline, byline, dates and body text out. Pure, CPU-bound.

The page is parsed once; that one tree gives the page's own statements (the
visible `<h1>`, JSON-LD, meta tags, `<time>`), loses its date furniture, has a story
the parser nested in chrome or the CMS split into sibling containers made whole
(`structure`), and goes to trafilatura (precision mode, no second metadata pass;
a recall pass where precision keeps a small part of the page's prose, `passes`).
Structured data (JSON-LD `articleBody`, a framework payload) is the text only where
the visible page shows no story. A news-specific pass then drops what trafilatura
lets through that is not the story: promo lines, social and newsletter calls, date
and time lines, a byline line, a headline or caption repeated in the body. Such
lines change from one request to the next on real sites, so each one left in would
count as an edit.
"""

from __future__ import annotations

import codecs
import functools
import html
from dataclasses import asdict, dataclass
from datetime import datetime
from importlib.metadata import version
from typing import TYPE_CHECKING

from lxml.etree import _Element, strip_elements, strip_tags
from lxml.html import HtmlElement

if TYPE_CHECKING:
    from trafilatura.settings import Extractor

from newsmon.core.fingerprint import normalize_line, normalize_text
from newsmon.extract.datelines import (
    byline_line,
    is_byline_meta,
    is_date_line,
    is_ticker_line,
    prune_time_furniture,
)
from newsmon.extract.dates import page_dates
from newsmon.extract.language import page_language
from newsmon.extract.meta import (
    canonical_link,
    headline,
    jsonld_articles,
    jsonld_value,
    landmarks,
    meta_content,
    meta_map,
)
from newsmon.extract.meta import strip_site_name as strip_site_name
from newsmon.extract.parse import parse_page
from newsmon.extract.passes import MIN_VISIBLE as MIN_VISIBLE_STORY
from newsmon.extract.passes import (
    fuller_story,
    missed_paragraphs,
    needs_recall,
    shows_no_story,
)
from newsmon.extract.rules import (
    ExtractRules,
    drop_excluded,
    rules_tag,
    selected_text,
    selected_title,
)
from newsmon.extract.structure import join_split_story, unwrap_story_from_chrome
from newsmon.extract.structured import jsonld_body, payload_body, payload_scripts
from newsmon.extract.teasers import is_promo_line, prune_link_teasers

# Elements that never hold the story, and that trafilatura discards too, only later:
# gone before its passes, they cost nothing to copy and walk, and its fallback
# extractors (readability, justext) are not tempted by them. Not <form>: ASP.NET
# and other frameworks wrap the whole page, story included, in one.
_NEVER_STORY = (
    "script", "style", "noscript", "template", "svg", "iframe", "nav", "footer", "aside",
    "button", "select",
)  # fmt: skip

# Bump when the cleanup below changes, so new output is not mistaken for an edit.
# 6: text nested past libxml2's depth limit is read (huge_tree); the page's literal
# "&lt;" and "&nbsp;" stay as shown (no second entity decoding);
# a paragraph the story repeats back to back stays twice.
# 7: a story nested in chrome or split across sibling containers read whole; a recall
# pass where precision cuts the story short; structured data where the page shows
# none ("+structured"); CJK date and promo lines; kickers joined with a separator;
# site names and sections cut from <title> fallbacks in any script; byline lines.
CLEANUP_REVISION = 7
_CHROME = ("nav", "footer", "aside")
_BYLINE_REACH = 3  # a byline line stands among the body's first lines
STRUCTURED_TAG = "+structured"  # on the extractor: the text is the page's structured data

# Where a repeated line is a caption (an image's alt, credit or caption shown twice),
# not a paragraph of the story.
_CAPTION_TAGS = frozenset({"figure", "figcaption", "caption", "picture"})
_CAPTION_CLASS = ("caption", "credit")
_MARK = "\u200b"  # zero-width space: see keep_repeated_paragraphs


@dataclass(frozen=True)
class ExtractOptions:
    """What bench/extraction.py tunes on one half of the benchmark and judges on the other."""

    precision: bool = True  # trafilatura's favor_precision
    cleanup: bool = True  # newsmon's promo, date-line and repeat cleanup
    prestrip: bool = True  # drop page chrome before trafilatura's passes walk it
    teasers: bool = True  # drop "Label: <a>other story</a>" blocks inside the article
    repair: bool = True  # a story nested in chrome or split in sibling containers made whole
    recall: bool = True  # a recall pass where precision keeps a small part of the prose
    structured: bool = True  # JSON-LD or payload text where the page shows no story


DEFAULT_OPTIONS = ExtractOptions()


@dataclass(frozen=True)
class Extracted:
    """What extraction found on one page (plain values: it crosses process boundaries)."""

    title: str
    byline: str | None
    text: str
    extractor: str
    published_at: datetime | None = None
    updated_at: datetime | None = None
    date_source: str | None = None
    language: str | None = None  # the BCP 47 tag the page states (newsmon.extract.language)
    canonical_url: str | None = None  # its rel=canonical, absolute (newsmon.extract.meta)
    # The text is not the precision pass's: "recall" (the recall pass made the story
    # whole) or "structured" (the page's structured data); counted by source health.
    fallback: str | None = None

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        for key in ("published_at", "updated_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


@functools.cache
def extractor_version() -> str:
    """Recorded on every version row: an upgrade must not look like an edit.

    Cached: it is asked for every page, and the imported extractor cannot change
    under a running process anyway.
    """
    return f"trafilatura {version('trafilatura')}+newsmon.{CLEANUP_REVISION}"


def clean_body(
    text: str, title: str = "", repeated: frozenset[str] = frozenset(), bylines: bool = True
) -> str:
    """Drop teaser and date lines, a headline repeated on top, a line doubled (caption and alt).

    Only adjacent repeats go: interviews repeat their questions on purpose. And not
    those in `repeated` (casefolded lines, `keep_repeated_paragraphs`): the story's own
    paragraphs, written twice in a row on the page, are kept twice, as a reader sees them.
    A byline line among the first lines goes too (`bylines`; the author is kept apart),
    except from a source's own body selector, which says what the body is.
    """
    title_key = normalize_line(title).casefold()
    kept: list[str] = []
    for line in normalize_text(text).split("\n"):
        key = line.casefold()
        if not line or is_promo_line(line) or is_date_line(line) or is_byline_meta(line):
            continue
        if is_ticker_line(line) or (bylines and len(kept) < _BYLINE_REACH and byline_line(line)):
            continue
        if key == title_key and not kept:
            continue
        if kept and key == kept[-1].casefold() and key not in repeated:
            continue
        kept.append(line)
    return "\n".join(kept)


def _is_caption(element: HtmlElement) -> bool:
    """Whether the element is, or sits in, a figure or an element classed as a caption or credit."""
    for node in (element, *element.iterancestors()):
        if node.tag in _CAPTION_TAGS:
            return True
        marks = f"{node.get('class', '')} {node.get('id', '')}".lower()
        if any(mark in marks for mark in _CAPTION_CLASS):
            return True
    return False


def keep_repeated_paragraphs(tree: HtmlElement) -> frozenset[str]:
    """Lines the page writes as two `<p>` siblings in a row, neither a caption; marked to stay.

    The repeat cleanup of `clean_body` is for a caption shown twice (as alt text and
    figcaption, or as two captions): boilerplate. Two identical paragraphs side by
    side in the story are the publisher's text, and evidence must show them as the
    page does; an edit that removes one is an edit. trafilatura drops an element that
    repeats the one before it (over 50 characters, not optional), so each later copy
    gets a zero-width space in front: the texts differ for that check, and its line
    cleanup removes the mark again (as does `normalize_line`).
    """
    found: set[str] = set()
    lines: dict[HtmlElement, str] = {}  # each paragraph read once, though it is compared twice

    def line_of(paragraph: HtmlElement) -> str:
        if paragraph not in lines:
            lines[paragraph] = normalize_line(paragraph.text_content()).casefold()
        return lines[paragraph]

    for paragraph in list(tree.iter("p")):
        after = paragraph.getnext()
        if after is None or after.tag != "p":
            continue
        line = line_of(paragraph)
        same = line and line == line_of(after)
        if same and not _is_caption(paragraph):
            found.add(line)
            after.text = _MARK + (after.text or "")  # normalize_line removes it: cache holds
    return frozenset(found)


def plain_text(body: _Element | None) -> str:
    """trafilatura's text of its result tree, without the entity decoding it adds on top.

    The tree's text is already decoded once (by the HTML parser); trafilatura's
    `xmltotxt` runs `html.unescape` again, and its line cleanup turns the words
    "&nbsp;", "&#10;" and "&#13;" into characters, so a page that shows "&lt;script&gt;"
    was stored as "<script>". Escaping every "&" before that cleanup and undoing exactly
    that afterwards keeps what the page shows and every other part of the cleanup.
    """
    if body is None:
        return ""
    from trafilatura.utils import sanitize
    from trafilatura.xml import process_element

    parts: list[str] = []
    process_element(body, parts, False)
    protected = "".join(parts).replace("&", "&amp;")
    return html.unescape(sanitize(protected, True) or "")


# More replacement characters than this share of a decoded page: its bytes are not in the
# encoding it was read with, and its "text" would be noise that changes with every byte.
MAX_REPLACEMENT_RATIO = 0.02


class Undecodable(ValueError):
    """A page's bytes are not valid in the encoding they were fetched with; the message
    is the check's error."""


def _decoded(body: bytes | str, encoding: str | None) -> bytes | str:
    """Text as the crawler decoded it; bytes with no usable encoding go to trafilatura's sniffer.

    Fetched bytes are decoded here, in the worker, and nowhere else: the crawl's thread
    used to decode every page as well, only to count its replacement characters.

    Raises:
        Undecodable: too many of the bytes are not valid in `encoding`.
    """
    if isinstance(body, str) or not encoding:
        return body
    try:
        codecs.lookup(encoding)
    except LookupError:
        return body
    text = body.decode(encoding, "replace")
    if "\ufffd" in text and text.count("\ufffd") > MAX_REPLACEMENT_RATIO * max(len(text), 1):
        raise Undecodable(f"undecodable page: its bytes are not valid {encoding}")
    return text


def _byline(tree: HtmlElement, metas: dict[str, str], articles: list[dict]) -> str | None:
    """The author as the page declares it: JSON-LD, `<meta name=author>`, a rel/itemprop author."""
    declared = jsonld_value(articles, "author") or meta_content(metas, "author", "article:author")
    if declared and "://" not in declared:
        return declared
    marked = tree.xpath("(.//*[@rel='author'] | .//*[@itemprop='author'])[1]")
    text = normalize_line(" ".join(marked[0].itertext())) if marked else ""
    return text if 0 < len(text) <= 200 else None


@functools.cache
def _trafilatura_options(precision: bool) -> Extractor:
    """One trafilatura configuration per process: building it costs as much as a small page.

    No metadata pass (the page's own statements are read above) and no URL: it only
    resolves links, which the text output does not keep.
    """
    from trafilatura.settings import Extractor

    return Extractor(
        output_format="python",
        precision=precision,
        comments=False,
        tables=True,
        dedup=False,
        with_metadata=False,
    )


def _trafilatura_text(tree: HtmlElement, precision: bool) -> str:
    from trafilatura import bare_extraction
    from trafilatura.settings import Document

    doc = bare_extraction(tree, options=_trafilatura_options(precision))
    # a Document unless as_dict=True, which trafilatura's return type does not tell apart
    return plain_text(doc.body) if isinstance(doc, Document) else ""


def _story(
    tree: HtmlElement, options: ExtractOptions, articles: list[dict], payloads: list[str]
) -> tuple[str, str | None]:
    """The story's text (trafilatura copies the tree: two passes read the same page), and
    which fallback it came from, if not the precision pass: "recall" or "structured"."""
    stated = jsonld_body(articles) if options.recall or options.structured else ""
    text = _trafilatura_text(tree, options.precision)
    fallback = None
    if options.recall and options.precision:
        missed, prose = missed_paragraphs(tree, normalize_text(text))
        if missed or needs_recall(text, prose, stated):
            recall = normalize_text(_trafilatura_text(tree, False))
            precise = normalize_text(text)
            text = fuller_story(precise, recall, stated, missed)
            fallback = "recall" if text is recall and recall != precise else None
    if options.structured and len(text) < MIN_VISIBLE_STORY:
        data = stated or payload_body(payloads)
        if shows_no_story(normalize_text(text), data):
            return data, "structured"
    return text, fallback


def _byline_in(text: str) -> str | None:
    """The author of a byline line at the top of the text, for pages that mark none up."""
    for line in normalize_text(text).split("\n")[:_BYLINE_REACH]:
        name = byline_line(line)
        if name:
            return name
    return None


def _body(
    text: str | None,
    title: str,
    options: ExtractOptions,
    repeated: frozenset[str],
    bylines: bool = True,
) -> str:
    if options.cleanup:
        return clean_body(text or "", title, repeated, bylines)
    return normalize_text(text or "")


def extract(
    body: bytes | str,
    url: str | None = None,
    *,
    encoding: str | None = None,
    options: ExtractOptions = DEFAULT_OPTIONS,
    rules: ExtractRules | None = None,
) -> Extracted:
    """Extract the story from one article page.

    Args:
        body: the page as fetched (bytes) or already decoded.
        url: the page's URL: helps trafilatura's site rules and names the site.
        encoding: how the crawler decoded `body` (Scrapy's `response.encoding`);
            without it, bytes are sniffed.
        options: only the benchmark changes these.
        rules: the source's selectors (newsmon.extract.rules), if it has any.

    Returns:
        Extracted with empty text when the page holds no article.

    Raises:
        RuleMiss: a selector of `rules` matched nothing on this page.
        Undecodable: `body` is bytes that are not valid in `encoding`.
    """
    extractor = extractor_version() + rules_tag(rules)
    tree = parse_page(_decoded(body, encoding))
    if tree is None:
        return Extracted(title="", byline=None, text="", extractor=extractor)
    marks = landmarks(tree)
    canonical = canonical_link(marks, url)
    if rules is not None:
        drop_excluded(tree, rules)
        marks = landmarks(tree)  # what the rules dropped says nothing about the story
    articles, metas = jsonld_articles(marks), meta_map(marks)
    title = selected_title(tree, rules) or headline(marks, url, metas, articles)
    byline = _byline(tree, metas, articles)
    dates = page_dates(tree, metas, articles)
    language = page_language(tree, metas, jsonld_value(articles, "inLanguage"))
    repeated = keep_repeated_paragraphs(tree) if options.cleanup else frozenset()
    if options.cleanup:
        prune_time_furniture(tree)
        # trafilatura deletes every <time> with its words; those left are in the story's
        # sentences ("the vote on <time>Tuesday</time>"), so keep their words, unwrapped
        strip_tags(tree, "time")
    if options.teasers:
        prune_link_teasers(tree)
    if options.repair:
        unwrap_story_from_chrome(tree, _CHROME)
        join_split_story(tree)
    payloads = payload_scripts(tree) if options.structured else []
    if options.prestrip:
        strip_elements(tree, *_NEVER_STORY, with_tail=False)
    chosen = rules is not None and bool(rules.body_selector)
    if rules is not None and rules.body_selector:
        # the source's own body: what its selector holds, a byline line included
        text, fallback = selected_text(tree, rules.body_selector), None
    else:
        text, fallback = _story(tree, options, articles, payloads)
        extractor += STRUCTURED_TAG if fallback == "structured" else ""
    if byline is None:
        byline = _byline_in(text)
    return Extracted(
        title=title,
        byline=byline,
        text=_body(text, title, options, repeated, bylines=not chosen),
        extractor=extractor,
        published_at=dates.published_at,
        updated_at=dates.updated_at,
        date_source=dates.source,
        language=language,
        canonical_url=canonical,
        fallback=fallback,
    )

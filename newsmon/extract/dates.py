"""When the page says the article was published and last updated, and where it says so.

Pure functions over a parsed lxml tree, most explicit statement first: JSON-LD
`datePublished`/`dateModified`, the `article:` meta tags, a `<time>` element, and
last htmldate's heuristics (handed the tree, so it never touches the network).
Each date is an aware UTC datetime; a date without a zone is taken as UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from lxml.html import HtmlElement

from newsmon.extract.meta import jsonld_value, meta_content

_PUBLISHED_META = ("article:published_time", "og:published_time", "datePublished", "pubdate")
_UPDATED_META = ("article:modified_time", "og:updated_time", "dateModified", "lastmod")
_PLAUSIBLE_YEARS = range(1990, 2101)


@dataclass(frozen=True)
class PageDates:
    """The page's dates and the statement they were read from."""

    published_at: datetime | None = None
    updated_at: datetime | None = None
    source: str | None = None


def parse_datetime(value: str | None) -> datetime | None:
    """ISO 8601 or RFC 2822 text to an aware UTC datetime; None when unreadable or implausible."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1) if "T" not in value else value)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.year not in _PLAUSIBLE_YEARS:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _time_elements(tree: HtmlElement) -> tuple[str | None, str | None]:
    """`datetime` of the published and the updated `<time>`.

    Marked ones (`itemprop`, `pubdate`) first; else the first `<time>` inside the
    article or main content is the publication.
    """
    published = updated = first = None
    for time_el in tree.iter("time"):
        value = time_el.get("datetime")
        if not value:
            continue
        prop = time_el.get("itemprop")
        if published is None and (prop == "datePublished" or time_el.get("pubdate") is not None):
            published = value
        elif updated is None and prop == "dateModified":
            updated = value
        elif first is None and any(a.tag in ("article", "main") for a in time_el.iterancestors()):
            first = value
    return published or first, updated


def _first(*candidates: tuple[str, str | None]) -> tuple[datetime | None, str | None]:
    for label, raw in candidates:
        parsed = parse_datetime(raw)
        if parsed is not None:
            return parsed, label
    return None, None


def _htmldate(tree: HtmlElement) -> datetime | None:
    from htmldate import find_date

    try:
        found = find_date(tree, extensive_search=False, original_date=True, url=None)
    except (ValueError, TypeError):  # htmldate gives up on odd markup rather than guess
        return None
    return parse_datetime(found)


def page_dates(tree: HtmlElement, metas: dict[str, str], articles: list[dict]) -> PageDates:
    """Published and updated dates from the page; `source` names the published date's origin.

    Call before anything prunes `<time>` elements from the tree.
    """
    time_published, time_updated = _time_elements(tree)
    published, source = _first(
        ("page: JSON-LD datePublished", jsonld_value(articles, "datePublished")),
        ("page: meta article:published_time", meta_content(metas, *_PUBLISHED_META)),
        ("page: <time>", time_published),
    )
    updated, updated_source = _first(
        ("page: JSON-LD dateModified", jsonld_value(articles, "dateModified")),
        ("page: meta article:modified_time", meta_content(metas, *_UPDATED_META)),
        ("page: <time>", time_updated),
    )
    if published is None:
        published = _htmldate(tree)
        source = "htmldate" if published else None
    if published and updated and updated < published:
        updated = None  # a modified date before publication is a template's default
    return PageDates(published, updated, source or updated_source)

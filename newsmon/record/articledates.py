"""An article's publication and last-updated dates, and where each was read.

A date comes from the feed or sitemap that announced the article, or, when they
give none, from the page itself (newsmon.extract.dates). What a feed or sitemap says
is the publisher's own record of the article and is kept; what a page states
fills only the gaps, and follows the page's newest statement. People cite these
dates, so each one is shown with its origin (`DATE_ORIGINS`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, or_

from newsmon.storage.models import Article

if TYPE_CHECKING:
    from newsmon.extract.page import Extracted

PAGE = "page"
_SAID_BY = {"page": "stated on the page", "sitemap": "from the sitemap", "feed": "from the feed"}


def merged_date(
    current: datetime | None, origin: str | None, stated: datetime | None
) -> tuple[datetime | None, str | None]:
    """The date to keep and its origin, given what a newly captured page states.

    A date without a recorded origin was written by a feed poll before origins were
    recorded, so it counts as the feed's.
    """
    if stated is None or (current is not None and origin != PAGE):
        return current, origin
    return stated, PAGE


def open_to_feed_dates() -> ColumnElement[bool]:
    """Articles a feed or sitemap may still date: undated, or dated only by their page."""
    return or_(Article.published_at.is_(None), Article.published_from == PAGE)


def adopt_page_dates(article: Article, extracted: Extracted) -> None:
    """Fill the article's dates from a newly captured version's page where feeds gave none."""
    article.published_at, article.published_from = merged_date(
        article.published_at, article.published_from, extracted.published_at
    )
    article.updated_at, article.updated_from = merged_date(
        article.updated_at, article.updated_from, extracted.updated_at
    )


def origin_words(origin: str | None) -> str:
    """Where a stored date came from, as the article page says it."""
    return _SAID_BY.get(origin or "feed", "from the feed")

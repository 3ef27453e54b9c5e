"""The public shapes of an article and a version: one function each, for CLI, API and export.

`newsmon articles --json`, the API's `ArticleOut` and each line of the JSON Lines export
are all `article_record`; `newsmon versions --json`, the API's `VersionOut` and the
export's versions are all `version_record`. The API's pydantic models are checked against
`ARTICLE_FIELDS` and `VERSION_FIELDS` by the tests, so the three cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from newsmon.storage.models import Article, Source, Version

# The article's fields in the order every rendering prints them; what each is read from.
ARTICLE_COLUMNS: Mapping[str, ColumnElement[Any]] = {
    "id": Article.id.expression,
    "url": Article.url.expression,
    "source": Source.slug.expression,
    "title": Article.title.expression,
    "status": Article.status.expression,
    "version_count": Article.version_count.expression,
    "first_seen_at": Article.first_seen_at.expression,
    "published_at": Article.published_at.expression,
    "published_from": Article.published_from.expression,
    "updated_at": Article.updated_at.expression,
    "updated_from": Article.updated_from.expression,
    "language": Source.language.expression,  # the source's, as the web pages say
    "last_checked_at": Article.last_checked_at.expression,
    "last_changed_at": Article.last_changed_at.expression,
    "next_check_at": Article.next_check_at.expression,
}
ARTICLE_FIELDS = tuple(ARTICLE_COLUMNS)
VERSION_FIELDS = (
    "number",
    "captured_at",
    "content_hash",
    "title",
    "byline",
    "words_added",
    "words_removed",
    "extractor",
    "fetched_url",
)


def iso(value: datetime | None) -> str | None:
    """A time as ISO 8601 with its offset, or None."""
    return value.isoformat() if value else None


def _plain(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value


def article_record(field: Callable[[str], Any]) -> dict[str, Any]:
    """The article shape, from `field(name)` for each name of ARTICLE_FIELDS."""
    return {name: _plain(field(name)) for name in ARTICLE_FIELDS}


def article_json(article: Article) -> dict[str, Any]:
    """The article shape of a loaded Article (its source loaded with it)."""
    source = article.source

    def field(name: str) -> Any:
        if name == "source":
            return source.slug
        if name == "language":
            return source.language
        return getattr(article, name)

    return article_record(field)


def version_record(version: Version | Any, *, with_text: bool = True) -> dict[str, Any]:
    """The version shape, from a Version or a row with the same column names."""
    data = {name: _plain(getattr(version, name)) for name in VERSION_FIELDS}
    if with_text:
        data["text"] = version.text
    return data

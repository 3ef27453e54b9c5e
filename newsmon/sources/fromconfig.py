"""`[sources.SLUG]` tables in the TOML config: per-source settings applied when a crawl starts.

A table is what `newsmon sources set SLUG ...` would do with the same values, through
the same `apply_changes`, so both paths check values alike. A table that names any
rule replaces the source's rules as a whole: what the file says is what applies.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

from newsmon.extract.rules import check_selector

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from newsmon.sources.registry import SourceChanges

logger = logging.getLogger(__name__)


def _css(value: str) -> str:
    return check_selector(value, "selector")


Css = Annotated[str, AfterValidator(_css)]


class SourceTable(BaseModel):
    """One `[sources.SLUG]` table; keys left out leave that setting as it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title_selector: Css | None = None
    body_selector: Css | None = None
    exclude: tuple[Css, ...] | None = None
    render: Literal["http", "browser"] | None = None
    language: str | None = None

    def changes(self) -> SourceChanges:
        from newsmon.sources.registry import SourceChanges

        ruled = any(v is not None for v in (self.title_selector, self.body_selector, self.exclude))
        return SourceChanges(
            title_selector=self.title_selector,
            body_selector=self.body_selector,
            exclude=self.exclude,
            clear_rules=ruled,
            render=self.render,
            language=self.language,
        )


def apply_source_tables(session: Session, tables: Mapping[str, SourceTable]) -> list[str]:
    """Apply each table to its source; one line per change (a slug not yet added is skipped
    with a warning: `sources add` may come later, and the crawl of the others goes on)."""
    from sqlalchemy import select

    from newsmon.sources.registry import apply_changes
    from newsmon.storage.models import Source

    said = []
    for slug, table in tables.items():
        source = session.scalar(select(Source).where(Source.slug == slug.strip().lower()))
        if source is None:
            logger.warning("config [sources.%s]: no such source (`newsmon sources add`)", slug)
            continue
        said += [f"{source.slug}: {line}" for line in apply_changes(source, table.changes())]
    for line in said:
        logger.info("config: %s", line)
    return said

"""What each source asks of a crawl: extraction rules, how it is fetched, its interval floor.

`sources set` and `[sources.SLUG]` config tables write them (`apply_mode_changes`);
a crawl reads them for all sources in one query and keeps them a minute
(`ModeCache`): the spider needs the render mode of every article request, the
extract pipeline the rules of every page, and neither may cost a query a page.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from newsmon.extract.rules import MAX_EXCLUDES, ExtractRules, RuleError, check_selector
from newsmon.sources.access import NO_ACCESS, SourceAccess
from newsmon.sources.template import Template
from newsmon.storage.batchwriter import in_transaction
from newsmon.storage.models import Source

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from newsmon.sources.registry import SourceChanges


@dataclass(frozen=True)
class SourceMode:
    """One source's rules, render mode and learned template, as a crawl uses them."""

    rules: ExtractRules | None = None
    render: str = "http"
    template: Template | None = None
    access: SourceAccess = NO_ACCESS  # headers, cookie, user agent, proxy per request
    min_interval: timedelta | None = None  # the operator's floor under checks and polls


PLAIN = SourceMode()
logger = logging.getLogger(__name__)


def load_modes(session: Session) -> dict[int, SourceMode]:
    """Every source's mode, in one query (a deployment has hundreds of sources, not millions)."""
    rows = session.execute(
        select(
            Source.id,
            Source.extract_rules,
            Source.render,
            Source.template,
            Source.access,
            Source.min_interval,
        )
    )
    return {
        row.id: SourceMode(
            ExtractRules.from_json(row.extract_rules),
            row.render or "http",
            Template.from_json(row.template),
            SourceAccess.from_json(row.access),
            timedelta(seconds=row.min_interval) if row.min_interval else None,
        )
        for row in rows
    }


class ModeCache:
    """source id -> SourceMode for one crawl, all sources in one query.

    Loaded at first use, when every request waits for it; after `max_age` seconds it
    is reloaded in the background while requests go on with what it held, so that
    `sources set` reaches a continuous crawl (`newsmon run`) within a minute without
    a request ever queuing behind the database thread's writes. A source added since
    the last load triggers a reload at most once a second. Requests that need a load
    together share one; a load that fails keeps the modes it had.
    """

    def __init__(self, database_url: str, max_age: float = 60.0) -> None:
        self.database_url = database_url
        self.max_age = max_age
        self._modes: dict[int, SourceMode] | None = None
        self._loaded = 0.0
        self._loading: asyncio.Future[dict[int, SourceMode]] | None = None

    async def get(self, source_id: int | None) -> SourceMode:
        if source_id is None:
            return PLAIN
        age = time.monotonic() - self._loaded
        if self._modes is None or (source_id not in self._modes and age > 1):
            self._modes = await asyncio.shield(self._load())
        elif age > self.max_age:
            self._load()  # in the background: this request uses what the cache holds
        return self._modes.get(source_id, PLAIN)

    def _load(self) -> asyncio.Future[dict[int, SourceMode]]:
        if self._loading is None:
            self._loading = asyncio.ensure_future(self._fetch())
        return self._loading

    async def _fetch(self) -> dict[int, SourceMode]:
        try:
            modes = await in_transaction(self.database_url, load_modes)
        except Exception:
            if self._modes is None:
                raise
            logger.warning("could not reload sources' rules; keeping the ones loaded")
            modes = self._modes
        finally:
            self._loading = None
        self._loaded = time.monotonic()
        self._modes = modes
        return modes


def changed_rules(current: ExtractRules | None, changes: SourceChanges) -> ExtractRules | None:
    """The rules after `changes`, each new selector checked (RuleError names a bad one)."""
    base = ExtractRules() if changes.clear_rules or current is None else current
    title, body, exclude = base.title_selector, base.body_selector, base.exclude
    if changes.title_selector is not None:
        title = check_selector(changes.title_selector, "title selector") or None
    if changes.body_selector is not None:
        body = check_selector(changes.body_selector, "body selector") or None
    if changes.exclude is not None:
        if len(changes.exclude) > MAX_EXCLUDES:
            raise RuleError(f"at most {MAX_EXCLUDES} exclude selectors")
        exclude = tuple(check_selector(css, "exclude selector") for css in changes.exclude)
    return ExtractRules.from_json(ExtractRules(title, body, exclude).to_json())


def apply_mode_changes(source: Source, changes: SourceChanges) -> list[str]:
    """Store the source's new rules; one line per change, for `sources set` to print."""
    from newsmon.sources.registry import SourceError  # sources calls this module: import at use

    current = ExtractRules.from_json(source.extract_rules)
    try:
        rules = changed_rules(current, changes)
    except RuleError as exc:
        raise SourceError(str(exc)) from None
    if rules == current:
        return []
    source.extract_rules = rules.to_json() if rules else None
    if rules is None:
        return ["rules: cleared, generic extraction"]
    said = [f"title selector: {rules.title_selector}"] if rules.title_selector else []
    said += [f"body selector: {rules.body_selector}"] if rules.body_selector else []
    said += [f"exclude: {', '.join(rules.exclude)}"] if rules.exclude else []
    return said

"""Turns page HTML into headline, byline and text in worker processes.

What to read is the record's decision (newsmon.record.reading.plan_reading): nothing,
when the page's bytes and the extractor are what they were at the last check (the
cheap path for most rechecks); the page; and the stored page as well, when the
extractor was upgraded since the latest version, so the upgrade is not mistaken for an
edit. This pipeline does that reading and hands it over as the item's `reading`.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from newsmon.config.settings import Config
from newsmon.core.fingerprint import content_hash
from newsmon.core.textclean import clean_line, clean_optional, clean_text
from newsmon.crawl.metrics import process_metrics
from newsmon.crawl.workers import Budget, ExtractionLimit, budget_of, extract_off_loop
from newsmon.extract.page import Extracted, extractor_version
from newsmon.extract.rules import ExtractRules, RuleMiss, rules_tag
from newsmon.pipelines import DatabaseComponent
from newsmon.record.items import PageItem
from newsmon.record.reading import (
    Reading,
    StoredPage,
    decode_stored,
    latest_raw_page,
    plan_reading,
    render_tag,
)
from newsmon.sources.modes import ModeCache
from newsmon.sources.template import Template, template_tag


def cleaned(extracted: Extracted, template: Template | None = None) -> Extracted:
    """Page text crosses the trust boundary here: no NUL, C0 controls or lone surrogates
    reach the database (PostgreSQL refuses NUL; every store and terminal is spared).
    The source's learned template lines are left out, and named in the extractor."""
    text = clean_text(extracted.text)
    return dataclasses.replace(
        extracted,
        title=clean_line(extracted.title),
        byline=clean_optional(extracted.byline),
        text=template.without(text) if template is not None else text,
        extractor=extracted.extractor + template_tag(template),
    )


class ExtractPipeline(DatabaseComponent):
    """PageItem with HTML in; PageItem with its `reading` (or an error) out.

    A source's extraction rules are part of its extractor: a changed rule re-extracts
    the stored page like an upgrade does, so it is never mistaken for an edit.
    """

    def __init__(self, database_url: str, config: Config) -> None:
        super().__init__(database_url, config)
        self.modes = ModeCache(database_url)  # each source's rules, once per crawl

    async def handle(self, item: Any) -> Any:
        if not isinstance(item, PageItem) or item.error or item.not_modified:
            return item
        mode = await self.modes.get(item.task.source_id)
        rules, method = mode.rules, render_tag(mode.render)
        current = extractor_version() + rules_tag(rules) + template_tag(mode.template) + method
        plan = plan_reading(item.task, item.body, item.encoding, current)
        if not plan.extract:
            item.reading = Reading(plan.raw_key)
            self.stats.inc_value("newsmon/extraction_skipped")
            return item
        started = time.perf_counter()
        try:
            extracted = await extract_off_loop(
                item.body, item.url, budget=self.budget(), encoding=item.encoding, rules=rules
            )
            extracted = cleaned(extracted, mode.template)
            extracted = dataclasses.replace(extracted, extractor=extracted.extractor + method)
            process_metrics().extraction(time.perf_counter() - started)
        except (RuleMiss, ExtractionLimit) as exc:  # the rule's miss or the limit, by name
            item.error = str(exc)[:500]
            return item
        except Exception as exc:  # a page that crashes the extractor is a failed check
            item.error = f"extraction failed: {type(exc).__name__}: {exc}"[:500]
            return item
        if not extracted.text.strip():
            item.error = "empty extraction: no article text found on the page"
            return item
        baseline = None
        if plan.reread:
            previous = await self.in_transaction(
                lambda session: latest_raw_page(session, item.task.article_id)
            )
            if previous:
                try:
                    baseline = await self._baseline(previous, item.url, rules, mode.template)
                except ExtractionLimit as exc:
                    item.error = f"re-reading the stored page: {exc}"[:500]
        item.reading = Reading(plan.raw_key, extracted, baseline)
        return item

    def budget(self) -> Budget:
        """What one page may cost in the worker pool, from the settings."""
        return budget_of(self.config)

    async def _baseline(
        self,
        previous: StoredPage,
        url: str,
        rules: ExtractRules | None,
        template: Template | None,
    ) -> str | None:
        """The stored page's hash under today's extractor and rules; None when a new rule
        does not fit the old page (then the new text is compared as it is)."""
        try:
            again = cleaned(
                await extract_off_loop(
                    decode_stored(previous), url, budget=self.budget(), rules=rules
                ),
                template,
            )
        except RuleMiss:
            return None
        return content_hash(again.title, again.text)

    async def record_failure(self, item: Any, error: str) -> None:
        """The snapshot pipeline stores it as a failed check."""
        if isinstance(item, PageItem):
            item.error = error[:500]

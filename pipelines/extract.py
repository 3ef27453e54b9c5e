"""Turns page HTML into headline, byline and text in worker processes.

What to read is the record's decision (newsmon.record.reading.plan_reading): nothing,
when the page's bytes and the extractor are what they were at the last check (the
cheap path for most rechecks); the page, or first only its remembered story region
(the fast path: extracted in full only when the region changed); and the stored page
as well, when the extractor was upgraded since the latest version, so the upgrade is
not mistaken for an edit. This pipeline does that reading and hands it over as the
item's `reading`, with where the story was found for the next check.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from newsmon.config.settings import Config
from newsmon.core.fingerprint import content_hash
from newsmon.core.textclean import clean_line, clean_optional, clean_text
from newsmon.crawl.metrics import process_metrics
from newsmon.crawl.workers import (
    Budget,
    ExtractionLimit,
    budget_of,
    extract_off_loop,
    read_off_loop,
)
from newsmon.extract.fastread import PageRead
from newsmon.extract.page import Extracted, Undecodable, extractor_version
from newsmon.extract.rules import ExtractRules, RuleMiss, rules_tag
from newsmon.pipelines import DatabaseComponent
from newsmon.record.items import PageItem
from newsmon.record.reading import (
    Reading,
    ReadingPlan,
    StoredPage,
    anchor_after_full,
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
        if not isinstance(item, PageItem) or item.error:
            return item
        if item.not_modified:
            process_metrics().check_path("not-modified")
            return item
        mode = await self.modes.get(item.task.source_id)
        rules, method = mode.rules, render_tag(mode.render)
        current = extractor_version() + rules_tag(rules) + template_tag(mode.template) + method
        # The fast path only where the full one would file the page as it is: no source
        # rules, and no redirect (whose final URL the full path may record as an alias).
        fast = rules is None and item.url == item.task.url
        plan = plan_reading(
            item.task, item.body, item.encoding, current, now=item.fetched_at, fast=fast
        )
        if not plan.extract:
            item.reading = Reading(plan.raw_key)
            self.stats.inc_value("newsmon/extraction_skipped")
            process_metrics().check_path("same-bytes")
            return item
        started = time.perf_counter()
        remembered = plan.anchor or plan.net
        try:
            read = await read_off_loop(
                item.body,
                item.url,
                budget=self.budget(),
                encoding=item.encoding,
                rules=rules,
                remembered=remembered.story if remembered else None,
                full=plan.net is not None,
            )
        except (RuleMiss, ExtractionLimit, Undecodable) as exc:  # named by its message
            item.error = str(exc)[:500]
            return item
        except Exception as exc:  # a page that crashes the extractor is a failed check
            item.error = f"extraction failed: {type(exc).__name__}: {exc}"[:500]
            return item
        if read.extracted is None and plan.anchor is not None:
            item.reading = Reading(
                plan.raw_key,
                fast=True,
                fast_canonical=read.canonical_url,
                anchor=plan.anchor.after_fast_check(),
            )
            self.stats.inc_value("newsmon/extraction_fast")
            process_metrics().check_path("fast")
            return item
        process_metrics().extraction(time.perf_counter() - started)
        process_metrics().check_path("full")
        await self._full_reading(item, plan, read, (rules, mode.template), (current, method))
        return item

    async def _full_reading(
        self,
        item: PageItem,
        plan: ReadingPlan,
        read: PageRead,
        reading_rules: tuple[ExtractRules | None, Template | None],
        extractor: tuple[str, str],
    ) -> None:
        """The item's reading from a full extraction (or its error): the text, the stored
        page's hash under today's extractor when it changed, and where the story was.
        `extractor` is today's extractor and its render tag."""
        current, method = extractor
        rules, template = reading_rules
        assert read.extracted is not None
        extracted = cleaned(
            dataclasses.replace(read.extracted, extractor=read.extracted.extractor + method),
            template,
        )
        if not extracted.text.strip():
            item.error = "empty extraction: no article text found on the page"
            return
        baseline = None
        if plan.reread:
            previous = await self.in_transaction(
                lambda session: latest_raw_page(session, item.task.article_id)
            )
            if previous:
                try:
                    baseline = await self._baseline(previous, item.url, rules, template)
                except ExtractionLimit as exc:
                    item.error = f"re-reading the stored page: {exc}"[:500]
        reading = Reading(plan.raw_key, extracted, baseline)
        if reading.text is not None:
            anchor = anchor_after_full(
                read.story,
                region_unchanged=read.region_unchanged,
                net=plan.net,
                extractor=current,
                digest=reading.text.digest,
                at=item.fetched_at,
            )
            reading = dataclasses.replace(reading, anchor=anchor)
        item.reading = reading

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

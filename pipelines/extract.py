"""Turns page HTML into headline, byline and text in worker processes.

Skips the work when the page's bytes and the extractor are what they were at the
last check: the cheap path for most rechecks. When the extractor was upgraded
since the latest version, the stored page is re-extracted too, so the upgrade is
not mistaken for an edit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from typing import Any

from w3lib.encoding import html_to_unicode

from newsmon.config.settings import Config
from newsmon.core.fingerprint import content_hash
from newsmon.core.textclean import clean_line, clean_optional, clean_text
from newsmon.crawl.metrics import process_metrics
from newsmon.crawl.workers import Budget, ExtractionLimit, budget_of, extract_off_loop
from newsmon.extract.page import Extracted, extractor_version
from newsmon.extract.rules import ExtractRules, RuleMiss, rules_tag
from newsmon.pipelines import DatabaseComponent
from newsmon.record.check import StoredPage, latest_raw_page
from newsmon.record.items import PageItem
from newsmon.sources.modes import ModeCache


def raw_key(body: bytes, extractor: str, encoding: str | None) -> str:
    """Identifies what extraction would produce: the page's bytes, read with one encoding,
    under one extractor. The same bytes declared in another charset are other text."""
    digest = hashlib.sha256(f"{extractor}\0{encoding or ''}\0".encode())
    digest.update(body)  # a page is big: hashed where it lies, never copied
    return digest.hexdigest()


def decode_stored(page: StoredPage) -> str:
    """The stored page as text, read as it was when fetched.

    The encoding recorded at fetch time first (a Latin-1 page read as UTF-8 would
    hash differently and look edited), then the page's own declaration, then UTF-8
    with replacement characters: w3lib's order, as Scrapy applies it to responses.
    """
    content_type = f"text/html; charset={page.encoding}" if page.encoding else None
    return html_to_unicode(content_type, page.body)[1]


BROWSER_TAG = "+browser"


def render_tag(render: str) -> str:
    """How the page was fetched is part of the extractor: a rendered DOM and the served
    HTML of one story extract differently, and that difference is not an edit."""
    return BROWSER_TAG if render == "browser" else ""


def render_tag_of(extractor: str | None) -> str:
    return BROWSER_TAG if extractor and extractor.endswith(BROWSER_TAG) else ""


def cleaned(extracted: Extracted) -> Extracted:
    """Page text crosses the trust boundary here: no NUL, C0 controls or lone surrogates
    reach the database (PostgreSQL refuses NUL; every store and terminal is spared)."""
    return dataclasses.replace(
        extracted,
        title=clean_line(extracted.title),
        byline=clean_optional(extracted.byline),
        text=clean_text(extracted.text),
    )


class ExtractPipeline(DatabaseComponent):
    """PageItem with HTML in; PageItem with `extracted` (or an error) out.

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
        current = extractor_version() + rules_tag(rules) + method
        item.raw_key = raw_key(item.body, current, item.encoding)
        if item.raw_key == item.task.last_raw_key:
            item.same_raw = True
            self.stats.inc_value("newsmon/extraction_skipped")
            return item
        started = time.perf_counter()
        try:
            extracted = await extract_off_loop(
                item.body, item.url, budget=self.budget(), encoding=item.encoding, rules=rules
            )
            item.extracted = cleaned(
                dataclasses.replace(extracted, extractor=extracted.extractor + method)
            )
            process_metrics().extraction(time.perf_counter() - started)
        except (RuleMiss, ExtractionLimit) as exc:  # the rule's miss or the limit, by name
            item.error = str(exc)[:500]
            return item
        except Exception as exc:  # a page that crashes the extractor is a failed check
            item.error = f"extraction failed: {type(exc).__name__}: {exc}"[:500]
            return item
        if not item.extracted.text.strip():
            item.error = "empty extraction: no article text found on the page"
            return item
        previous_method = render_tag_of(item.task.latest_extractor)
        if item.task.latest_extractor not in (None, current) and previous_method == method:
            # (A page fetched another way cannot be re-fetched that way from the store:
            # no baseline, and the version is classed `method`, not an edit.)
            previous = await self.in_transaction(
                lambda session: latest_raw_page(session, item.task.article_id)
            )
            if previous:
                try:
                    item.baseline_hash = await self._baseline(previous, item.url, rules)
                except ExtractionLimit as exc:
                    item.error = f"re-reading the stored page: {exc}"[:500]
        return item

    def budget(self) -> Budget:
        """What one page may cost in the worker pool, from the settings."""
        return budget_of(self.config)

    async def _baseline(
        self, previous: StoredPage, url: str, rules: ExtractRules | None
    ) -> str | None:
        """The stored page's hash under today's extractor and rules; None when a new rule
        does not fit the old page (then the new text is compared as it is)."""
        try:
            again = cleaned(
                await extract_off_loop(
                    decode_stored(previous), url, budget=self.budget(), rules=rules
                )
            )
        except RuleMiss:
            return None
        return content_hash(again.title, again.text)

    async def record_failure(self, item: Any, error: str) -> None:
        """The snapshot pipeline stores it as a failed check."""
        if isinstance(item, PageItem):
            item.error = error[:500]

"""Learns each source's template from the pages newsmon already stores, and keeps it.

What is learned from: the raw page behind the latest version of the source's most
recently changed articles (one page per article, so a story rechecked a hundred times
counts once), read again by today's extractor and the source's rules but without any
template. Raw pages, not stored texts: a stored text already lacks the blocks learned
before, so learning from it would forget them and flip back and forth. A different
learned set changes the extractor tag (`+tpl:<hash>`), so every article's next check
re-reads its stored page the new way and the difference is a `method` change, never
an edit (newsmon.record.reading, newsmon.record.check).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from newsmon.core.textclean import clean_text
from newsmon.extract.page import extract
from newsmon.extract.rules import ExtractRules, RuleMiss
from newsmon.record.reading import StoredPage, decode_stored
from newsmon.sources.template import Template, learn
from newsmon.storage.db import transaction
from newsmon.storage.models import Article, Source, Version
from newsmon.storage.rawpages import decompress, raw_column

SAMPLE = 60  # articles read per source: enough for a 20 % share to mean 12 pages
logger = logging.getLogger(__name__)


def _sampled_pages(
    session: Session, source_id: int, sample: int
) -> Iterator[tuple[str, StoredPage]]:
    """(URL, stored page) of the latest version of the source's latest-changed articles."""
    latest = (
        select(Version.article_id, func.max(Version.number).label("number"))
        .join(Article, Article.id == Version.article_id)
        .where(Article.source_id == source_id)
        .group_by(Version.article_id)
        .subquery()
    )
    rows = session.execute(
        select(Article.url, raw_column().label("raw"), Version.encoding)
        .join(
            latest,
            (latest.c.article_id == Version.article_id) & (latest.c.number == Version.number),
        )
        .join(Article, Article.id == Version.article_id)
        .order_by(Version.captured_at.desc(), Version.id.desc())
        .limit(sample)
    )
    for row in rows:
        body = decompress(row.raw)
        if body:
            yield row.url, StoredPage(body, row.encoding)


def source_texts(session: Session, source_id: int, sample: int = SAMPLE) -> list[str]:
    """The sampled pages' texts as extraction reads them before any template is applied."""
    data = session.get(Source, source_id)
    rules = ExtractRules.from_json(data.extract_rules) if data is not None else None
    texts = []
    for url, page in _sampled_pages(session, source_id, sample):
        try:
            texts.append(clean_text(extract(decode_stored(page), url, rules=rules).text))
        except RuleMiss:
            continue  # a page the rules do not fit teaches nothing about the template
    return texts


def learn_source_template(
    session: Session, source_id: int, *, now: datetime, sample: int = SAMPLE
) -> Template | None:
    """Learn the source's template and store it; returns what is stored now."""
    learned = learn(source_texts(session, source_id, sample))
    source = session.get(Source, source_id)
    if source is None:
        return None
    stored = Template.from_json(source.template)
    if (learned.blocks if learned else None) != (stored.blocks if stored else None):
        source.template = learned.to_json() if learned else None
        logger.info(
            "source %s: template of %d block(s) learned",
            source.slug,
            len(learned.blocks) if learned else 0,
        )
    source.template_learned_at = now
    return learned


def _stale_sources(session: Session) -> list[int]:
    """Enabled sources with a version captured since their template was last learned: the
    others' pages are the ones already learned from, so reading them again is waste."""
    newest = (
        select(Article.source_id, func.max(Version.captured_at).label("at"))
        .join(Version, Version.article_id == Article.id)
        .group_by(Article.source_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(Source.id)
            .join(newest, newest.c.source_id == Source.id)
            .where(
                Source.enabled.is_(True),
                Source.template_learned_at.is_(None) | (newest.c.at > Source.template_learned_at),
            )
            .order_by(Source.id)
        )
    )


def learn_templates(engine: Engine, *, now: datetime, sample: int = SAMPLE) -> int:
    """Learn the template of every source with new versions, one transaction each; how many
    sources' templates changed."""
    with transaction(engine) as session:
        ids = _stale_sources(session)
    changed = 0
    for source_id in ids:
        with transaction(engine) as session:
            before = session.scalar(select(Source.template).where(Source.id == source_id))
            learn_source_template(session, source_id, now=now, sample=sample)
            session.flush()
            after = session.scalar(select(Source.template).where(Source.id == source_id))
            changed += before != after
    return changed

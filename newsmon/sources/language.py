"""A source's language: learnt from its feeds and pages, or pinned by hand.

A feed's statement describes the whole source and is repeated on every poll, so
it replaces what pages said; a page's statement only fills a source that has no
language yet. A pinned language is never replaced. The tags themselves are parsed
and normalised by newsmon.extract.language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import update

from newsmon.extract.language import AUTO, BadLanguage, normalize_tag
from newsmon.storage.models import Source

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def learn_feed_language(source: Source, tag: str | None) -> bool:
    """Record the language a feed stated for `source` (which feed may: newsmon.record.store);
    True when it changed. Pages only fill a gap: `learn_page_language`."""
    if tag is None or source.language_pinned or source.language == tag:
        return False
    source.language = tag
    return True


def learn_page_language(session: Session, source_id: int, tag: str | None) -> None:
    """A captured page's language fills a source that has none (and is not pinned).

    One conditional UPDATE instead of loading the source for every captured version;
    once the source has a language it matches no row, so concurrent crawlers never
    queue on the source's row for it.
    """
    if tag is None:
        return
    session.execute(
        update(Source)
        .where(
            Source.id == source_id,
            Source.language.is_(None),
            Source.language_pinned.is_(False),
        )
        .values(language=tag)
        .execution_options(synchronize_session=False)
    )


def set_language(source: Source, typed: str) -> list[str]:
    """Pin a checked tag (`sources set --language TAG`), or unpin with `auto`.

    `auto` forgets the tag, to learn it anew at the next poll of the source's feeds.
    Returns one line per setting changed; raises BadLanguage naming the bad tag.
    """
    if typed.strip().lower() == AUTO:
        if not source.language_pinned:
            return []
        source.language_pinned, source.language = False, None
        for feed in source.feeds:  # a 304 would not say the language again: read them afresh
            feed.etag = feed.last_modified = None
        return ["language: auto (learnt from its feeds and pages)"]
    tag = normalize_tag(typed)
    if tag is None:
        raise BadLanguage(
            f"bad language {typed[:40]!r}: use a BCP 47 tag such as en, de, pt-BR, zh-Hant, "
            "or 'auto'"
        )
    if source.language_pinned and source.language == tag:
        return []
    source.language, source.language_pinned = tag, True
    return [f"language: {tag} (pinned)"]

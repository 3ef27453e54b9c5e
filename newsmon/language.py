"""A source's language: read from its feeds and pages, or pinned by hand, as a BCP 47 tag.

Feeds declare it (`<language>`, `xml:lang`), pages declare it (JSON-LD
`inLanguage`, `<html lang>`, `og:locale`). The values are untrusted and loosely
written ("en_GB", "EN-us", "iw"), so each is normalised once here with `langcodes`
or dropped. The tag is used for the feeds' `language` and the pages' `lang`, so
screen readers, hyphenation and fonts treat the text as what it is.

A feed's statement describes the whole source and is repeated on every poll, so
it replaces what pages said; a page's statement only fills a source that has no
language yet. A pinned language is never replaced.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import update

from newsmon.models import Source

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from sqlalchemy.orm import Session

# Tags that say "no particular language": useless as a page's lang.
_NOT_A_LANGUAGE = {"und", "mul", "zxx", "mis"}
_MAX_TAG = 35  # the column's width, and far beyond any real tag
AUTO = "auto"


class BadLanguage(ValueError):
    """A language tag typed by a person that is not a valid BCP 47 tag."""


def normalize_tag(raw: object) -> str | None:
    """A BCP 47 tag in its standard form ("en_gb" -> "en-GB", "iw" -> "he"); None if unusable."""
    if not isinstance(raw, str):
        return None
    typed = raw.strip().replace("_", "-")
    if not typed or len(typed) > _MAX_TAG or not typed.isascii():
        return None
    import langcodes

    try:
        tag = langcodes.standardize_tag(typed)
    except (ValueError, LookupError):
        return None
    if not langcodes.tag_is_valid(tag) or tag.split("-")[0] in _NOT_A_LANGUAGE:
        return None
    return tag if len(tag) <= _MAX_TAG else None


def page_language(tree: HtmlElement, metas: dict[str, str], inlanguage: str | None) -> str | None:
    """The language the page states, the article's own statement first.

    Args:
        tree: the parsed page.
        metas: its `<meta>` values (newsmon.pagemeta.meta_map).
        inlanguage: the JSON-LD article's `inLanguage`, if any.
    """
    candidates = (
        inlanguage,
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        metas.get("og:locale"),
        metas.get("content-language"),
    )
    for candidate in candidates:
        tag = normalize_tag(candidate)
        if tag:
            return tag
    return None


def learn_feed_language(source: Source, tag: str | None) -> bool:
    """Record the language a feed stated for `source` (which feed may: newsmon.store);
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

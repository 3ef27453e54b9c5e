"""Language tags as feeds and pages state them, normalised to BCP 47 (pure: no database).

Feeds declare it (`<language>`, `xml:lang`), pages declare it (JSON-LD
`inLanguage`, `<html lang>`, `og:locale`). The values are untrusted and loosely
written ("en_GB", "EN-us", "iw"), so each is normalised once here with `langcodes`
or dropped. The tag is used for the feeds' `language` and the pages' `lang`, so
screen readers, hyphenation and fonts treat the text as what it is.

What a source does with the tags it is told is newsmon.sources.language (the database side).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.html import HtmlElement

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
        metas: its `<meta>` values (newsmon.extract.meta.meta_map).
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

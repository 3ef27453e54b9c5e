"""Which URLs may name an article: the rules a page's rel=canonical and redirects must pass.

Pure decisions, no I/O. A page speaks only for its own site: its canonical link may
merge URLs of one story there, never move text into another site's or another
source's article, onto a site's front page, or onto a section page many stories share.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import tldextract

_FRONT_PAGE = re.compile(r"^/*((index|default|home)\.(html?|php|aspx?|jsp))?$", re.IGNORECASE)


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    """The Public Suffix List shipped with tldextract: never fetched, never cached on disk."""
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


def site_of(url: str) -> str:
    """The registrable domain of `url`'s host ("bbc.co.uk", "alice.github.io").

    A host with no public suffix (an IP address, `localhost`, an intranet name) is a
    site of its own, so two such hosts are never the same site.
    """
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    registrable = _extractor()(host).top_domain_under_public_suffix
    return registrable or host


def same_site(a: str, b: str) -> bool:
    return site_of(a) == site_of(b)


def _segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def _is_section_of(canonical_path: str, page_path: str) -> bool:
    """Whether the canonical's path is a proper ancestor of the page's ("/news" of "/news/x")."""
    above, below = _segments(canonical_path), _segments(page_path)
    return len(above) < len(below) and below[: len(above)] == above


@dataclass(frozen=True)
class Owner:
    """The article that already holds a URL."""

    article_id: int
    source_id: int
    has_versions: bool
    same_text: bool  # its latest version holds exactly the text of the page being checked


@dataclass(frozen=True)
class CanonicalClaim:
    """A page's rel=canonical, with what the database knows about the URLs involved."""

    page_url: str  # where the page was served from (after redirects)
    article_url: str  # the article's URL today
    canonical: str
    article_id: int
    source_id: int
    article_has_versions: bool
    owner: Owner | None  # who holds `canonical` today, if anyone


@dataclass(frozen=True)
class CanonicalDecision:
    """The URL to file the page under, or why its canonical was refused."""

    url: str | None
    reason: str | None = None


def _refuse(claim: CanonicalClaim, why: str) -> CanonicalDecision:
    return CanonicalDecision(None, f"canonical refused: {claim.canonical} {why}")


def decide_canonical(claim: CanonicalClaim) -> CanonicalDecision:
    """Accept the canonical only within the page's site, for this story alone.

    Refused: another site than the page's or the article's (a redirect does not carry
    an article off its site); the site's front page; a section above the page; a URL
    held by another source's article; a URL held by another article whose stored
    text differs (the sign of a page shared by many stories), or any other article
    when this one already has versions (stored evidence is never moved).
    """
    canonical = urlsplit(claim.canonical)
    if not (
        same_site(claim.page_url, claim.canonical) and same_site(claim.article_url, claim.canonical)
    ):
        return _refuse(claim, "is another site")
    if _FRONT_PAGE.match(canonical.path):
        return _refuse(claim, "is the site's front page")
    if _is_section_of(canonical.path, urlsplit(claim.page_url).path):
        return _refuse(claim, "is a section page above this page")
    owner = claim.owner
    if owner is None or owner.article_id == claim.article_id:
        return CanonicalDecision(claim.canonical)
    if owner.source_id != claim.source_id:
        return _refuse(claim, "belongs to an article of another source")
    if claim.article_has_versions:
        return _refuse(claim, "belongs to another article; stored versions are not moved")
    if owner.has_versions and not owner.same_text:
        return _refuse(claim, "belongs to another article with different text")
    return CanonicalDecision(claim.canonical)


def alias_allowed(task_url: str, final_url: str) -> bool:
    """A redirect's final URL names the article too, if the redirect stayed on its site."""
    return final_url != task_url and same_site(task_url, final_url)

"""Article extraction: HTML in, headline, byline and body text out. Pure and CPU-bound.

trafilatura does the heavy lifting (in precision mode); a news-specific pass then
drops what it lets through that is not the story: promo lines ("READ MORE: ...",
"[VIDEO]" teasers), social and newsletter calls, a headline or caption repeated
in the body. Such lines change from one request to the next on real sites, so each
one left in would count as an edit.
"""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass
from importlib.metadata import version

from newsmon.fingerprint import normalize_line, normalize_text

# Bump when the cleanup below changes, so new output is not mistaken for an edit.
CLEANUP_REVISION = 1

_PROMO_PREFIX = re.compile(
    r"^(read more|see more|more on this( story)?|related( articles?| stories| coverage)?|"
    r"also (read|on [\w.]+|see)|don'?t miss|must read|recommended|watch|listen|"
    r"click here|sign up|subscribe|advertisement|sponsored|most read|trending|"
    r"top stories|latest news|you may also like|you might also like)\b[\s:|\-–—]*",
    re.IGNORECASE,
)
_BARE_PROMO = re.compile(
    r"^(advertisement|advert|ad|sponsored( content)?|story continues below( advertisement)?|"
    r"continue reading( below)?|tags?:?|share( this( article| story)?)?|"
    r"(follow|like) us on .*|don'?t miss:?|related:?|read more:?|image copyright .*|"
    r"getty images|image caption .*|media caption .*)$",
    re.IGNORECASE,
)
_TEASER_TAG = re.compile(
    r"\[(INSIGHT|VIDEO|PICTURES|PICS|REVEAL|POLL|LIVE|UPDATE|REACTION|NEWS|"
    r"WARNING|ANALYSIS|LATEST|REVEALED|EXCLUSIVE)\]\s*\|?$"
)
_SOCIAL_CALL = re.compile(
    r"^(follow|like) (us|.{1,60}) on (twitter|facebook|instagram|youtube|tiktok|linkedin)|"
    r"^(like|enjoyed) this (story|article)\?|share (it|this) with a friend|"
    r"^sign up (for|to) (our|the) .{0,60}newsletter|^get (our|the) .{0,40}newsletter",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Extracted:
    """What extraction found on one page."""

    title: str
    byline: str | None
    text: str
    extractor: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@functools.cache
def extractor_version() -> str:
    """Recorded on every version row: an upgrade must not look like an edit.

    Cached: it is asked for every page, and the imported extractor cannot change
    under a running process anyway.
    """
    return f"trafilatura {version('trafilatura')}+newsmon.{CLEANUP_REVISION}"


def is_promo_line(line: str) -> bool:
    """A line that advertises other content rather than telling the story."""
    if _BARE_PROMO.match(line) or _TEASER_TAG.search(line) or _SOCIAL_CALL.search(line):
        return True
    match = _PROMO_PREFIX.match(line)
    # "Read more: <other headline>" is a teaser; "Watch the river rise" is prose.
    if not match or len(line) >= 200:
        return False
    separator = match.group(0)[len(match.group(1)) :]
    return any(c in separator for c in ":|-–—")


def clean_body(text: str, title: str = "") -> str:
    """Drop teaser lines, a headline repeated on top, a line doubled (caption and alt text).

    Only adjacent repeats go: interviews repeat their questions on purpose.
    """
    title_key = normalize_line(title).casefold()
    kept: list[str] = []
    for line in normalize_text(text).split("\n"):
        key = line.casefold()
        if not line or is_promo_line(line):
            continue
        if key == title_key and not kept:
            continue
        if kept and key == kept[-1].casefold():
            continue
        kept.append(line)
    return "\n".join(kept)


def _squash(value: str) -> str:
    return re.sub(r"[^\w]+", "", value.casefold()).removeprefix("www").removesuffix("com")


def strip_site_name(title: str, site: str | None) -> str:
    """ "Headline - The Paradigm" -> "Headline": the site's name is not part of the story."""
    if not site:
        return title
    for sep in (" | ", " - ", " – ", " — ", " :: ", " · "):
        head, found, tail = title.rpartition(sep)
        if found and head and _squash(tail) and _squash(tail) == _squash(site):
            return head.strip()
        head, found, tail = title.partition(sep)
        if found and tail and _squash(head) == _squash(site):
            return tail.strip()
    return title


def extract(html: str | bytes, url: str | None = None) -> Extracted:
    """Extract the story from one article page.

    Args:
        html: the page, decoded or raw bytes (trafilatura sniffs the encoding).
        url: the page's URL, which helps trafilatura resolve site-specific rules.

    Returns:
        Extracted with empty text when the page holds no article.
    """
    from trafilatura import bare_extraction

    doc = bare_extraction(
        html,
        url=url,
        include_comments=False,
        include_tables=True,
        favor_precision=True,
        with_metadata=True,
        deduplicate=False,
    )
    if doc is None:
        return Extracted(title="", byline=None, text="", extractor=extractor_version())
    title = strip_site_name(normalize_line(doc.title or ""), doc.sitename)
    byline = normalize_line(doc.author or "") or None
    text = clean_body(doc.text or "", title)
    return Extracted(title=title, byline=byline, text=text, extractor=extractor_version())

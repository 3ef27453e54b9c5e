"""How a fetched page is to be read, and what the reading produced: the record's inputs.

Whether a check is quiet, a new version, or an upgrade that must not pass for an edit is
decided here and in newsmon.record.check, and nowhere else. The extract pipeline asks
`plan_reading` what to do with a page's bytes (skip extraction: the very bytes and
extractor of the last check; extract; and re-read the stored page under today's
extractor), does that work in the worker pool, and hands the result over as a
`Reading`. The decisions are pure; `latest_raw_page` is the one database read.

The fast path: a page whose bytes changed (real sites change their chrome on every
request) but whose story region, as the last full extraction located it, is unchanged
(newsmon.extract.storyprint) is not extracted again. It is tried only when the remembered
region was taken under today's extractor from the text the latest version stores, and
never past `FULL_EVERY` fast checks in a row or `FULL_AFTER` since the last full
extraction: a periodic full extraction is the safety net for what a region cannot show.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session
from w3lib.encoding import html_to_unicode

from newsmon.core.fingerprint import content_hash, normalize_text, normalize_title
from newsmon.extract.page import Extracted
from newsmon.extract.storyprint import StoryPrint
from newsmon.storage.models import Version
from newsmon.storage.rawpages import raw_column

if TYPE_CHECKING:
    from newsmon.record.items import ArticleTask

BROWSER_TAG = "+browser"
# The safety net: a full extraction after this many fast checks in a row, or this long
# after the last one (an article never changed is checked about 114 times in 40 days).
# Each net that finds the fingerprint right on the article's own page (region and text
# the same) doubles the count before the next, up to NET_DOUBLINGS times; one that finds
# it wrong starts over (the story is located anew, with no audits behind it).
FULL_EVERY = 10
FULL_AFTER = timedelta(days=7)
NET_DOUBLINGS = 3


def render_tag(render: str) -> str:
    """How the page was fetched is part of the extractor: a rendered DOM and the served
    HTML of one story extract differently, and that difference is not an edit."""
    return BROWSER_TAG if render == "browser" else ""


def render_tag_of(extractor: str | None) -> str:
    return BROWSER_TAG if extractor and extractor.endswith(BROWSER_TAG) else ""


def raw_key(body: bytes, extractor: str, encoding: str | None) -> str:
    """Identifies what extraction would produce: the page's bytes, read with one encoding,
    under one extractor. The same bytes declared in another charset are other text."""
    digest = hashlib.sha256(f"{extractor}\0{encoding or ''}\0".encode())
    digest.update(body)  # a page is big: hashed where it lies, never copied
    return digest.hexdigest()


@dataclass(frozen=True)
class StoryAnchor:
    """Where the story was on the last full extraction, and what it was then: stored on
    the article as JSON (`articles.story_anchor`)."""

    story: StoryPrint
    extractor: str  # the extractor of that full extraction
    digest: str  # the hash of the text it extracted (newsmon.core.fingerprint)
    full_at: datetime  # when it ran
    fast: int = 0  # fast checks since
    audits: int = 0  # safety nets in a row that found the fingerprint right

    @property
    def fast_allowed(self) -> int:
        """Fast checks in a row before the next safety net."""
        return FULL_EVERY * 2 ** min(self.audits, NET_DOUBLINGS)

    def to_json(self) -> str:
        return json.dumps(
            {
                "path": list(self.story.path),
                "print": self.story.digest,
                "extractor": self.extractor,
                "digest": self.digest,
                "full_at": self.full_at.isoformat(),
                "fast": self.fast,
                "audits": self.audits,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | None) -> StoryAnchor | None:
        """The stored anchor; None when there is none or it cannot be read (then the
        check extracts in full, and stores a fresh one)."""
        if not text:
            return None
        try:
            data = json.loads(text)
            path = tuple(int(i) for i in data["path"])
            return cls(
                story=StoryPrint(path, str(data["print"])),
                extractor=str(data["extractor"]),
                digest=str(data["digest"]),
                full_at=datetime.fromisoformat(data["full_at"]),
                fast=int(data["fast"]),
                audits=int(data.get("audits", 0)),  # anchors stored before audits counted
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def after_fast_check(self) -> StoryAnchor:
        return replace(self, fast=self.fast + 1)

    def after_net(self, at: datetime) -> StoryAnchor:
        """The anchor again after a safety net found its region and text unchanged."""
        return replace(self, full_at=at, fast=0, audits=self.audits + 1)


def anchor_due(
    anchor: StoryAnchor | None, *, extractor: str, latest_hash: str | None, now: datetime
) -> StoryAnchor | None:
    """The anchor to try the fast path with, or None when the check must extract in full:
    no anchor; taken under another extractor, or from text other than the latest
    version's (a flapping or refused text); or the safety net is due."""
    if anchor is None or latest_hash is None:
        return None
    if anchor.extractor != extractor or anchor.digest != latest_hash:
        return None
    if anchor.fast >= anchor.fast_allowed or _utc(now) - _utc(anchor.full_at) >= FULL_AFTER:
        return None
    return anchor


def net_anchor(
    anchor: StoryAnchor | None, *, extractor: str, latest_hash: str | None, now: datetime
) -> StoryAnchor | None:
    """The anchor a safety-net extraction checks its region against: one the fast path
    could use but for the net being due. Where the region is found unchanged and the full
    extraction reads the latest text, the region stays remembered (it still holds that
    text) and is not located again, a third of a full read on a real page."""
    if anchor is None or latest_hash is None:
        return None
    if anchor.extractor != extractor or anchor.digest != latest_hash:
        return None
    return (
        anchor
        if anchor_due(anchor, extractor=extractor, latest_hash=latest_hash, now=now) is None
        else None
    )


def anchor_after_full(
    story: StoryPrint | None,
    *,
    region_unchanged: bool,
    net: StoryAnchor | None,
    extractor: str,
    digest: str,
    at: datetime,
) -> StoryAnchor | None:
    """What a full extraction leaves remembered for the next check: the story it located,
    with no audits behind it; or, after a safety net that found the remembered region
    unchanged, that anchor again with one more audit, when the text is the latest version's
    too. A region unchanged over changed text is the fingerprint proved wrong on this page:
    nothing is remembered, and the next check locates the story anew."""
    if story is None:
        return None
    if not region_unchanged:
        return StoryAnchor(story, extractor, digest, at)
    if net is None or net.digest != digest:
        return None
    return net.after_net(at)


def _utc(moment: datetime) -> datetime:
    """Naive datetimes are UTC here (SQLite hands them back naive)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ReadingPlan:
    """What to do with one fetched page's bytes."""

    raw_key: str
    extract: bool  # False: the very bytes and extractor of the last check
    reread: bool  # the stored page must be read again under today's extractor
    anchor: StoryAnchor | None = None  # try the fast path with this remembered story
    net: StoryAnchor | None = None  # the safety net is due: extract in full, check against this


def plan_reading(
    task: ArticleTask,
    body: bytes,
    encoding: str | None,
    extractor: str,
    *,
    now: datetime | None = None,
    fast: bool = False,
) -> ReadingPlan:
    """Skip extraction when the bytes and the extractor are the last check's (the cheap path
    for most rechecks). Re-read the stored page when the extractor (or a source's rules)
    changed since the latest version, so the upgrade is not mistaken for an edit; but not
    across a change of how pages are fetched: a page fetched another way cannot be
    fetched that way again from the store (no baseline; the version is classed `method`).
    With `fast` (the source allows it) and `now`, name the remembered story to try first.
    """
    key = raw_key(body, extractor, encoding)
    if key == task.last_raw_key:
        return ReadingPlan(key, extract=False, reread=False)
    latest = task.latest_extractor
    reread = latest not in (None, extractor) and render_tag_of(latest) == render_tag_of(extractor)
    anchor = net = None
    if fast and now is not None and not reread:
        stored = StoryAnchor.from_json(task.story_anchor)
        anchor = anchor_due(stored, extractor=extractor, latest_hash=task.latest_hash, now=now)
        if anchor is None:
            net = net_anchor(stored, extractor=extractor, latest_hash=task.latest_hash, now=now)
    return ReadingPlan(key, extract=True, reread=reread, anchor=anchor, net=net)


class StoredText(NamedTuple):
    """A page's title and text normalised as a version stores them, and their hash."""

    title: str
    text: str
    digest: str


@dataclass(frozen=True)
class Reading:
    """What the extractor made of a fetched page: everything the record decides on."""

    raw_key: str
    # None: not read again: the last check's bytes, or (`fast`) its story region unchanged
    extracted: Extracted | None = None
    # The stored page's hash under today's extractor, when the extractor changed.
    baseline_hash: str | None = None
    fast: bool = False  # the remembered story region was found unchanged: the latest text
    fast_canonical: str | None = None  # the page's rel=canonical, read on the fast path
    anchor: StoryAnchor | None = None  # to remember on the article; None: forget it

    @property
    def same_bytes(self) -> bool:
        return self.extracted is None and not self.fast

    @property
    def same_story(self) -> bool:
        """Not extracted: the text is the latest version's (same bytes, or fast path)."""
        return self.extracted is None

    @property
    def canonical_url(self) -> str | None:
        return self.extracted.canonical_url if self.extracted else self.fast_canonical

    @property
    def anchor_json(self) -> str | None:
        return self.anchor.to_json() if self.anchor else None

    @cached_property
    def text(self) -> StoredText | None:
        """The extracted title and text as stored, and their hash (computed once)."""
        if self.extracted is None:
            return None
        title = normalize_title(self.extracted.title)
        text = normalize_text(self.extracted.text)
        return StoredText(title, text, content_hash(title, text))

    def new_text(self, task: ArticleTask) -> StoredText | None:
        """The text whose change must be measured before the write: extracted, and not
        the text of the version the claim read."""
        text = self.text
        return text if text is not None and text.digest != task.latest_hash else None


@dataclass(frozen=True)
class StoredPage:
    """The raw page behind an article's latest version, and the encoding it was read with."""

    body: bytes
    encoding: str | None


def latest_raw_page(session: Session, article_id: int) -> StoredPage | None:
    row = session.execute(
        select(raw_column().label("raw"), Version.encoding)
        .where(Version.article_id == article_id)
        .order_by(Version.number.desc())
        .limit(1)
    ).first()
    if row is None or not row.raw:
        return None
    return StoredPage(zlib.decompress(row.raw), row.encoding)


def decode_stored(page: StoredPage) -> str:
    """The stored page as text, read as it was when fetched.

    The encoding recorded at fetch time first (a Latin-1 page read as UTF-8 would
    hash differently and look edited), then the page's own declaration, then UTF-8
    with replacement characters: w3lib's order, as Scrapy applies it to responses.
    """
    content_type = f"text/html; charset={page.encoding}" if page.encoding else None
    return html_to_unicode(content_type, page.body)[1]

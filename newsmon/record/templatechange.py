"""A template change is one event, not a thousand edits.

When a source changes its template (a new "Subscribe" line inside every story, a new
caption style), every article gains or loses the same line on its next check. Each
such version is classed `template` (shown and searchable, but left out of feeds and
notifications by default, like `minor` and `method`) and the source gets one
`template_changed` event.

"Many" is MANY distinct articles of the source whose versions changed exactly the same
lines (digits masked, newsmon.sources.template.block_key) and nothing else: an editor
may add one sentence to two or three related stories (a series note, one correction
to linked stories), which stays an edit; five stories changed identically and only
there is the site's doing. "Short" is WINDOW, twice the longest recheck interval of a
live article (3 hours by default), so every live article of the source is rechecked
inside it. A version that changed a line of its own as well stays an `edit`.

The versions that came before the fifth stay edits until the fifth arrives, and are
reclassed then, in the same transaction. So that none of them is notified as an edit
meanwhile, a version whose change could be a template's (only a few short lines, its
`changed_blocks`) asks for corroboration: CORROBORATE other active articles of its
source are made due at once (`corroborate`), and newsmon.notify.corroborate holds its
notification until they have been checked after it. A site serves one template to all
its pages, so if they show the same lines, the window decides `template`; if they do
not, the edit is the article's own and is sent.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsmon.core.outcomes import ArticleStatus, ChangeClass
from newsmon.sources.template import MAX_BLOCK_CHARS, block_key
from newsmon.storage.models import Article, Source, SourceEvent, Version

MANY = 5
WINDOW = timedelta(hours=6)
MAX_CHANGED = 8  # a version that changed more lines than this is not a template change
CORROBORATE = MANY - 1  # siblings checked after a candidate: enough to make MANY with it
logger = logging.getLogger(__name__)


def _digest(sign: str, key: str) -> str:
    return sign + hashlib.sha256(key.encode()).hexdigest()[:16]


def changed_blocks(old_text: str, new_text: str) -> list[str] | None:
    """Digests of the lines `new_text` added ("+") and removed ("-") against `old_text`,
    compared as block keys; None when none, or too many to be a template change."""
    old = {block_key(line): line for line in old_text.split("\n") if line.strip()}
    new = {block_key(line): line for line in new_text.split("\n") if line.strip()}
    added, removed = new.keys() - old.keys(), old.keys() - new.keys()
    if not (added or removed) or len(added) + len(removed) > MAX_CHANGED:
        return None
    if any(len(key) > MAX_BLOCK_CHARS for key in added | removed):
        return None
    return sorted([_digest("+", k) for k in added] + [_digest("-", k) for k in removed])


def is_template_change(mine: Iterable[str], others: dict[int, set[str]], many: int = MANY) -> bool:
    """Whether each of a version's changed blocks changed on at least `many - 1` other
    articles (`others`: article id -> the blocks its versions changed in the window)."""
    blocks = set(mine)
    if not blocks:
        return False
    return all(sum(block in theirs for theirs in others.values()) >= many - 1 for block in blocks)


def class_template_change(
    session: Session, article: Article, version: Version, *, now: datetime
) -> None:
    """Record the version's changed blocks; when many articles of its source changed the
    same blocks in the window, class them all `template` and tell the source once."""
    if version.change_class != ChangeClass.EDIT:
        return
    old_text = session.scalar(
        select(Version.text).where(
            Version.article_id == article.id, Version.number == version.number - 1
        )
    )
    if old_text is None:
        return
    blocks = changed_blocks(old_text, version.text)
    if blocks is None:  # left SQL NULL (assigning None would store a JSON null)
        return
    version.changed_blocks = blocks
    rows = session.execute(
        select(Version.id, Version.article_id, Version.changed_blocks, Version.change_class)
        .join(Article, Article.id == Version.article_id)
        .where(
            Article.source_id == article.source_id,
            Article.id != article.id,
            Version.captured_at >= now - WINDOW,
            Version.changed_blocks.is_not(None),
        )
    ).all()
    others: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        others[row.article_id].update(row.changed_blocks or ())
    if not is_template_change(blocks, others):
        corroborate(session, article, now=now)
        return
    version.change_class = ChangeClass.TEMPLATE
    mine = set(blocks)
    for row in rows:  # the versions before this one: edits that changed only these lines
        theirs = set(row.changed_blocks or ())
        if row.change_class == ChangeClass.EDIT and theirs and theirs <= mine:
            session.get_one(Version, row.id).change_class = ChangeClass.TEMPLATE
    _tell_source(session, article.source_id, blocks, version.text, old_text, now)


def corroborate(session: Session, article: Article, *, now: datetime) -> None:
    """Make CORROBORATE other active articles of the source due now (the most recently
    seen: live stories, on the template the site serves today), unless due already.

    Never sooner than the source's interval floor allows after a sibling's last check,
    and never a sibling backed off after failed checks: the floor and the back-off are
    promises to the publisher that an edit elsewhere must not break (and a failing page
    corroborates nothing)."""
    floor = session.scalar(select(Source.min_interval).where(Source.id == article.source_id))
    siblings = session.scalars(
        select(Article)
        .where(
            Article.source_id == article.source_id,
            Article.id != article.id,
            Article.status == ArticleStatus.ACTIVE,
            Article.consecutive_errors == 0,
        )
        .order_by(Article.first_seen_at.desc(), Article.id.desc())
        .limit(CORROBORATE)
    )
    for sibling in siblings:
        due = now
        if floor and sibling.last_checked_at is not None:
            due = max(now, sibling.last_checked_at + timedelta(seconds=floor))
        if sibling.next_check_at is None or sibling.next_check_at > due:
            sibling.next_check_at = due


def _tell_source(
    session: Session, source_id: int, blocks: list[str], new_text: str, old_text: str, now: datetime
) -> None:
    """One `template_changed` event per change: none if the window holds one for it."""
    mark = " ".join(blocks)
    told = session.scalar(
        select(SourceEvent.id).where(
            SourceEvent.source_id == source_id,
            SourceEvent.kind == "template_changed",
            SourceEvent.at >= now - WINDOW,
            SourceEvent.detail.endswith(f"[{mark}]"),
        )
    )
    if told is not None:
        return
    old = {block_key(line) for line in old_text.split("\n")}
    new = {block_key(line) for line in new_text.split("\n")}
    lines = [f"+ {line}" for line in new_text.split("\n") if block_key(line) not in old]
    lines += [
        f"- {line}" for line in old_text.split("\n") if block_key(line) not in new and line.strip()
    ]
    detail = f"on {MANY} or more articles within {WINDOW}: {'; '.join(lines)[:800]} [{mark}]"
    session.add(SourceEvent(source_id=source_id, kind="template_changed", at=now, detail=detail))
    logger.warning("source %s: template changed (%s)", source_id, "; ".join(lines)[:200])

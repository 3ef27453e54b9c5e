"""What a new version changed against the one before it, measured before it is written.

The diff, its summary, its words added and removed, its class and its searchable runs
cost CPU in proportion to the text. They are measured in an extraction worker process,
from the previous version read outside any write transaction, so the database's one
writer thread never diffs and no write lock is held meanwhile. The write then only checks,
by hash, that the version measured against is still the latest (newsmon.record.check); when
another version came in between, it declines (`StaleChange`) and the change is measured
again against that one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from newsmon.core.outcomes import ChangeClass
from newsmon.record.changeclass import change_runs, classify
from newsmon.record.diff import diff_texts, summarize
from newsmon.storage.batchwriter import Declined
from newsmon.storage.models import Version


@dataclass(frozen=True)
class Base:
    """The latest stored version, which a new one would follow."""

    content_hash: str
    title: str
    text: str


@dataclass(frozen=True)
class Change:
    """A new version's change, as stored with it."""

    base_hash: str | None  # the version measured against; None for an article's first
    new_hash: str
    words_added: int
    words_removed: int
    title_changed: bool
    summary: list[dict] | None
    # The text's own class; whether the extractor changed (`method`) is decided at write
    # time, from the version row and the page.
    text_class: ChangeClass | None
    removed_text: str | None
    added_text: str | None
    coarse: int = 0  # stretches the diff compared coarser than word by word (its budget)


class StaleChange(Declined):
    """The version a change was measured against is no longer the article's latest."""

    def __init__(self, article_id: int) -> None:
        super().__init__(f"article {article_id} has a newer version than the change measured")
        self.article_id = article_id


def measure(base: Base | None, title: str, text: str, new_hash: str) -> Change:
    """The change from `base` to the new title and text (normalised, as stored). Pure and
    bounded (newsmon.record.diff's budget), so it can run in a worker process."""
    if base is None:
        first = diff_texts("", "", title, text)
        return Change(None, new_hash, first.words_added, 0, False, None, None, None, None)
    diff = diff_texts(base.title, base.text, title, text)
    removed, added = change_runs(diff)
    return Change(
        base_hash=base.content_hash,
        new_hash=new_hash,
        words_added=diff.words_added,
        words_removed=diff.words_removed,
        title_changed=base.title != title,
        summary=summarize(diff),
        text_class=classify(
            old_title=base.title, old_text=base.text, new_title=title, new_text=text
        ),
        removed_text=removed or None,
        added_text=added or None,
        coarse=diff.coarse,
    )


def latest_version(session: Session, article_id: int) -> Base | None:
    row = session.execute(
        select(Version.content_hash, Version.title, Version.text)
        .where(Version.article_id == article_id)
        .order_by(Version.number.desc())
        .limit(1)
    ).first()
    return Base(row.content_hash, row.title, row.text) if row else None


def read_latest(engine: Engine, article_id: int) -> Base | None:
    """The article's latest version, read in a session of its own that writes nothing (on
    SQLite a plain read takes no write lock; called off the database's writer thread)."""
    with Session(engine) as session:
        return latest_version(session, article_id)

"""The record's vocabulary: what a check came to, an article's state, its events, and the
class of a change. Pure.

Each is a `StrEnum`, so a member is the very string the database stores and compares;
the schema's CHECK constraints (newsmon.storage.models) are generated from these, and
code writes and compares members, never bare strings, so a misspelt outcome fails at
import, not in a constraint at write time. They live in `core` because the storage
models, below the record stage, build their constraints from them.
"""

from __future__ import annotations

from enum import StrEnum


class CheckOutcome(StrEnum):
    """What one check of an article came to, as the record decides it.

    All but two are stored as they are in `checks.outcome`: `captured` (an article's
    first version) is stored as `changed`, as it always was, and `skipped` (the article
    was frozen or removed while the page was fetched) stores no check at all. Counters
    and metrics tell all of them apart.
    """

    CHANGED = "changed"
    UNCHANGED = "unchanged"
    NOT_MODIFIED = "not_modified"
    ERROR = "error"
    GONE = "gone"
    FLAPPING = "flapping"
    CAPTURED = "captured"
    SKIPPED = "skipped"

    @property
    def stored(self) -> CheckOutcome | None:
        """The value its check row holds; None when no row is written."""
        if self is CheckOutcome.CAPTURED:
            return CheckOutcome.CHANGED
        if self is CheckOutcome.SKIPPED:
            return None
        return self


# `merged` has been allowed by the checks table since its first migration, though no code
# ever wrote it. Dropping it would rebuild `checks` on SQLite for nothing a user sees, so
# the constraint keeps it and stays exactly what 0001 created.
LEGACY_CHECK_OUTCOMES = ("merged",)


class ArticleStatus(StrEnum):
    """Whether an article is still rechecked: `frozen` for good after its quiet period,
    `gone` after repeated 404/410 (still retried, rarely)."""

    ACTIVE = "active"
    FROZEN = "frozen"
    GONE = "gone"


class EventKind(StrEnum):
    """An article's state changes worth a feed entry (article_events.kind)."""

    FROZEN = "frozen"
    GONE = "gone"
    BACK = "back"
    MOVED = "moved"


class ChangeClass(StrEnum):
    """A new version's class (versions.change_class; None for an article's first).

    `minor` fix, `headline` rewrite, `edit`, or `method`: newsmon reads the page
    another way (new rules, browser rendering, an upgrade) and the stored page cannot
    show what the old text would be under the new way (newsmon.record.changeclass);
    `template`: the same lines changed on many articles of the source at once, a
    redesign rather than an edit (newsmon.record.templatechange).
    """

    MINOR = "minor"
    HEADLINE = "headline"
    EDIT = "edit"
    METHOD = "method"
    TEMPLATE = "template"


def stored_check_outcomes() -> tuple[str, ...]:
    """The values `checks.outcome` may hold, in the order of its constraint."""
    stored = {o.stored for o in CheckOutcome if o.stored is not None}
    return tuple(o.value for o in CheckOutcome if o in stored) + LEGACY_CHECK_OUTCOMES


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """An enum's values as plain strings, in declaration order: for SQL `IN (...)` lists
    and CLI choices (click names an Enum member's choice by its name, not its value)."""
    return tuple(member.value for member in enum)

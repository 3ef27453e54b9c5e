"""Pure presentation helpers: time distances, state sentences, diff spans as safe HTML."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from markupsafe import Markup, escape

from newsmon.core.outcomes import ArticleStatus, ChangeClass
from newsmon.core.zones import in_zone
from newsmon.record.diff import Span
from newsmon.record.policy import RecheckPolicy

# XML 1.0 forbids these; one of them in a feed makes readers reject the whole feed.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str | None) -> str:
    return _XML_FORBIDDEN.sub("", text or "")


def span(amount: timedelta) -> str:
    """ "about 4 hours", "3 days", "less than a minute" — for people, not machines."""
    seconds = abs(amount.total_seconds())
    if seconds < 60:
        return "less than a minute"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size)
            prefix = "about " if unit != "day" else ""
            return f"{prefix}{count} {unit}{'s' if count != 1 else ''}"
    raise AssertionError("unreachable")


def later(earlier: datetime, later_: datetime) -> str:
    return f"{span(later_ - earlier)} later"


def when(value: datetime | None, zone: tzinfo = UTC) -> str:
    """A stored (UTC) time as the clock in `zone` reads it, the zone named: pages say which."""
    if value is None:
        return "not yet"
    return in_zone(value, zone).strftime("%Y-%m-%d %H:%M %Z")


def version_range(count: int) -> str:
    """Which version numbers exist, in words (they count from 0, as NewsSniffer's did)."""
    if count <= 0:
        return "it has no version yet"
    if count == 1:
        return "it has only version 0"
    return f"it has versions 0 to {count - 1}"


def changes_sentence(count: int) -> str:
    """How often an article changed, never "0 times"."""
    if count <= 0:
        return "The article has not changed since newsmon first saw it."
    return f"The article has changed {count} time{'' if count == 1 else 's'}."


def state_sentence(
    *,
    status: str,
    quiet_since: datetime,
    now: datetime,
    policy: RecheckPolicy,
    gone_at: datetime | None = None,
    last_status: int | None = None,
    has_changed: bool = True,
    zone: tzinfo = UTC,
) -> str:
    """The article's state in words, never with an empty field.

    `has_changed` is whether any version came after the first: an article that never
    changed was captured, not changed, at `quiet_since`.
    """
    what = "It last changed" if has_changed else "It was first captured"
    if status == ArticleStatus.FROZEN:
        return (
            f"{what} {span(now - quiet_since)} ago, over {policy.freeze_after.days} days "
            "without a change, and won't be checked again for changes."
        )
    if status == ArticleStatus.GONE:
        code = f"answered {last_status}" if last_status else "stopped serving it"
        return f"This article has gone: the site {code} on {when(gone_at, zone)}."
    interval = policy.interval(now - quiet_since) or policy.steps[-1].every
    every = span(interval).removeprefix("about ")
    return f"{what} {span(now - quiet_since)} ago; it is checked every {every}."


def source_sentence(url: str, *, gone: bool) -> Markup:
    """Where the article lives: a gone article is no longer found there, so say it was."""
    link = Markup('<a rel="noopener noreferrer nofollow" href="{0}">{0}</a>').format(url)
    if gone:
        return Markup("It was published at {} (the site no longer serves it).").format(link)
    return Markup("You can find the current article at its original source at {}.").format(link)


def paragraphs_html(text: str, lang: str | None = None) -> Markup:
    """A stored text (one paragraph a line) as escaped paragraphs in the site's direction."""
    attrs = text_attrs(lang)
    return Markup("\n").join(
        Markup("<p{}>{}</p>").format(attrs, line) for line in text.splitlines() if line.strip()
    )


def spans_html(spans: Iterable[Span | Sequence[str]]) -> Markup:
    """Diff spans (Span objects, or [op, text] pairs) as escaped HTML with ins/del."""
    out = []
    for item in spans:
        op, text = (item.op, item.text) if isinstance(item, Span) else item
        if op == "insert":
            out.append(Markup("<ins>{}</ins>").format(text))
        elif op == "delete":
            out.append(Markup("<del>{}</del>").format(text))
        else:
            out.append(escape(text))
    return Markup("").join(out)


def text_attrs(lang: str | None = None) -> Markup:
    """Attributes for a block of the site's text: its direction from its own letters, its language.

    `dir="auto"` lets Arabic and Hebrew run right to left while the English chrome
    around them does not; `lang` is the source's tag (None: inherit the page's).
    """
    if not lang:
        return Markup(' dir="auto"')
    return Markup(' dir="auto" lang="{}"').format(lang)


def summary_html(summary: list | None) -> str:
    """A stored change summary as an HTML fragment for feeds (escaped text, ins/del marks)."""
    if not summary:
        return "<p>Text changed.</p>"
    parts = []
    for row in summary:
        spans = spans_html(row["spans"])
        if row.get("headline"):  # the English label must not set the headline's direction
            parts.append(f'<p>Headline: <span dir="auto">{spans}</span></p>')
        else:
            parts.append(f'<p dir="auto">{spans}</p>')
    return xml_safe("".join(parts))


def class_words(change_class: str) -> str:
    """A change class as a reader says it: "minor change", "headline change", "edit"."""
    words: dict[str, str] = {
        ChangeClass.MINOR: "minor change",
        ChangeClass.HEADLINE: "headline change",
        ChangeClass.METHOD: "re-read by a new extraction method",
        ChangeClass.TEMPLATE: "the site's template changed",
    }
    return words.get(change_class, "edit")

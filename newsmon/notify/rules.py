"""Pure notification rules: what a subscription matches, the payload, its signature, retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from newsmon.core.outcomes import ChangeClass
from newsmon.record.changeclass import CHANGE_CLASSES
from newsmon.search.query import Query, QueryError, parse

SIGNATURE_HEADER = "X-Newsmon-Signature"
RETRY_FOR = timedelta(days=1)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)


class SubscriptionError(ValueError):
    """A subscription that cannot work; the message says why in one line."""


def is_webhook(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ("http", "https")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def sign(body: bytes, secret: str) -> str:
    """`sha256=<hex>`: HMAC-SHA256 of the exact body bytes, as GitHub signs its webhooks."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    """What a receiver does: compare in constant time."""
    return hmac.compare_digest(sign(body, secret), signature)


def match_query(*, source: str | None, change_class: str | None, query: str | None) -> Query:
    """The search a subscription runs over new versions.

    Without `--class`, minor changes are left out, as the feeds leave them out.
    """
    if change_class is not None and change_class not in CHANGE_CLASSES:
        raise SubscriptionError(
            f"class is one of {', '.join(CHANGE_CLASSES)}, not {change_class!r}"
        )
    classes = (change_class,) if change_class else (ChangeClass.HEADLINE, ChangeClass.EDIT)
    try:
        base = parse(query) if query else Query()
    except QueryError as exc:
        raise SubscriptionError(f"query: {exc}") from exc
    return base.narrowed(sources=(source,) if source else (), classes=classes)


@dataclass(frozen=True)
class ChangeFacts:
    """What a notification says about one new version."""

    article_id: int
    url: str
    title: str
    source: str
    number: int
    change_class: str | None
    words_added: int
    words_removed: int
    captured_at: datetime


@dataclass(frozen=True)
class EventFacts:
    """What a notification says about one source event (newsmon.notify.sourceevents)."""

    event_id: int
    source: str
    kind: str  # degraded | recovered | released | template_changed
    at: datetime
    detail: str


_EVENT_WORDS = {
    "degraded": "extraction degraded (its changes are held back until it recovers)",
    "recovered": "extraction recovered (held changes follow)",
    "released": "held changes released by an operator",
    "template_changed": "template changed (the versions it made are classed template)",
}


def _event_payload(facts: EventFacts, base: str) -> dict[str, object]:
    return {
        "event": f"source.{facts.kind}",
        "source": facts.source,
        "event_id": facts.event_id,
        "at": facts.at.isoformat(),
        "detail": facts.detail,
        "links": {"source": f"{base}/sources/{facts.source}"},
    }


def sample_facts(now: datetime) -> ChangeFacts:
    """The made-up change a test notification (CLI or web admin) reports."""
    return ChangeFacts(
        article_id=0,
        url="https://example.com/news/test",
        title="newsmon test notification",
        source="test",
        number=1,
        change_class="edit",
        words_added=1,
        words_removed=1,
        captured_at=now,
    )


def payload(facts: ChangeFacts | EventFacts, *, base_url: str) -> bytes:
    """The webhook's JSON body (UTF-8 bytes, signed as sent)."""
    base = base_url.rstrip("/")
    if isinstance(facts, EventFacts):
        body = _event_payload(facts, base)
        return json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
    a, b = facts.number - 1, facts.number
    data = {
        "event": "article.changed",
        "article": {
            "id": facts.article_id,
            "url": facts.url,
            "title": facts.title,
            "source": facts.source,
        },
        "from_version": a,
        "to_version": b,
        "change_class": facts.change_class,
        "words_added": facts.words_added,
        "words_removed": facts.words_removed,
        "captured_at": facts.captured_at.isoformat(),
        "links": {
            "diff": f"{base}/articles/{facts.article_id}/diff/{a}/{b}",
            "api": f"{base}/api/articles/{facts.article_id}/diff/{a}/{b}",
            "article": f"{base}/articles/{facts.article_id}",
        },
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()


def message(facts: ChangeFacts | EventFacts, *, base_url: str) -> tuple[str, str]:
    """(title, body) for apprise destinations, in plain text."""
    if isinstance(facts, EventFacts):
        title = f"{facts.source}: {_EVENT_WORDS.get(facts.kind, facts.kind)}"
        return title, f"{facts.detail}\n{base_url.rstrip('/')}/sources/{facts.source}"
    words: dict[str, str] = {
        ChangeClass.MINOR: "minor change",
        ChangeClass.HEADLINE: "headline change",
        ChangeClass.METHOD: "re-read by a new extraction method",
        ChangeClass.TEMPLATE: "the site's template changed",
    }
    kind = words.get(facts.change_class or "", "edit")
    title = f"{facts.source}: ‘{facts.title}’ changed ({kind})"
    diff = (
        f"{base_url.rstrip('/')}/articles/{facts.article_id}/diff/{facts.number - 1}/{facts.number}"
    )
    body = f"+{facts.words_added} / −{facts.words_removed} words. {diff}\n{facts.url}"
    return title, body


def next_attempt(*, attempts: int, first_attempt_at: datetime, now: datetime) -> datetime | None:
    """When to try again after `attempts` failures, or None: give up.

    Retries stop a day after the first attempt, not after queueing: a delivery that
    waited behind a backlog still gets its day of retries.
    """
    wait = min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)
    at = now + wait
    return at if at <= first_attempt_at + RETRY_FOR else None

"""The admin settings form's access fields: headers, cookie, user agent, proxy, interval.

Secrets never go back into the page, not even into a field's `value=`: the cookie and
proxy fields are shown empty with the masked setting as a placeholder, an empty field
keeps what is stored and a "clear" box removes it. A header whose value is a secret
(newsmon.sources.access.SECRET_NAME) is shown as `Name: ***`, and a line left so keeps
the stored value. Values are checked by the same functions as `newsmon sources set`.
Pure functions: the route reads the form and writes the changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from newsmon.config.types import ConfigError, interval_seconds
from newsmon.guard.netguard import IPNetwork
from newsmon.sources.access import MASK, AccessError, SourceAccess, masked_proxy, proxy_problem

MAX_HEADER_LINES = 50  # the form's lines read; access allows fewer headers and says so


def access_form(access: SourceAccess, min_interval: int | None) -> dict[str, str]:
    """What the settings form shows for a source: nothing secret, ever."""
    shown = access.masked()
    return {
        "headers": "\n".join(f"{n}: {v}" for n, v in shown.get("headers", {}).items()),
        "cookie": shown.get("cookie", ""),
        "proxy": masked_proxy(access.proxy) if access.proxy else "",
        "user_agent": access.user_agent or "",
        "interval": f"{min_interval}s" if min_interval else "",
    }


def access_changes(
    field: Callable[[str], str | None], current: SourceAccess, allow: tuple[IPNetwork, ...]
) -> dict[str, Any]:
    """The SourceChanges access arguments a submitted form asks for.

    `field(name)` is the submitted value, None when the form had no such field (a form
    without them leaves the settings). Raises AccessError with the message to show.
    """
    changes: dict[str, Any] = {}
    headers = field("headers")
    if headers is not None:
        changes["headers"] = _header_lines(headers, current)
    for name in ("cookie", "proxy"):
        given = (field(name) or "").strip()
        if field(f"clear_{name}") == "on":
            changes[name] = ""
        elif given:  # empty keeps the stored secret
            changes[name] = given
    if changes.get("proxy"):
        problem = proxy_problem(changes["proxy"], allow)
        if problem:
            raise AccessError(problem)
    user_agent = field("user_agent")
    if user_agent is not None and user_agent.strip() != (current.user_agent or ""):
        changes["user_agent"] = user_agent
    interval = field("interval")
    if interval is not None:
        try:
            changes["min_interval"] = interval_seconds(interval) if interval.strip() else 0
        except ConfigError as exc:
            raise AccessError(f"bad interval: {exc}") from None
    return changes


def _header_lines(text: str, current: SourceAccess) -> tuple[str, ...]:
    """'NAME: VALUE' lines; 'NAME: ***' stands for the stored value of that header."""
    stored = dict(current.headers)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_HEADER_LINES:
        raise AccessError(f"at most {MAX_HEADER_LINES} header lines")
    out = []
    for line in lines:
        name, _, value = line.partition(":")
        name = name.strip()
        if value.strip() == MASK and name in stored:
            line = f"{name}: {stored[name]}"
        out.append(line)
    return tuple(out)

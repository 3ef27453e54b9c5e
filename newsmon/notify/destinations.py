"""Where notifications may go: the SSRF guard's rule applied to subscription destinations.

Operators add destinations, but a destination URL is still a place newsmon connects
to, so the crawler's rule holds (newsmon.guard.netguard): public addresses only, plus the
networks `allow_networks` names. It is checked at `notify add` (the host, resolved
when it is a name) and again at every connection a delivery makes
(`newsmon.notify.webhook` for webhooks, the apprise process's resolver for the rest).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from newsmon.guard.netguard import IPNetwork, literal_address, refusal

HINT = "notifications go only to public addresses unless allow_networks names the network"


class DestinationRefused(ConnectionError):
    """A connection the guard refused; the message is the reason."""


def address_refusal(
    host: str, addresses: Iterable[str], allow: tuple[IPNetwork, ...]
) -> str | None:
    """Why `host` may not be connected to, or None; one refused address refuses it whole.

    A host resolving to a public and a private address is refused, as the crawler's
    guard refuses it: which one a connection would use is the resolver's choice.
    """
    for address in addresses:
        reason = refusal(address, allow)
        if reason:
            return reason if address == host.strip("[]") else f"{reason} (resolved from {host})"
    return None


def destination_host(url: str) -> str | None:
    """The host part of a webhook or apprise URL (for some apprise schemes, a token)."""
    try:
        return urlsplit(url).hostname or None
    except ValueError:
        return None


def add_refusal(
    url: str,
    allow: tuple[IPNetwork, ...],
    *,
    resolve: Callable[..., list[Any]] = socket.getaddrinfo,
) -> str | None:
    """Why `notify add` refuses `url`, or None.

    An address literal is judged as it is; a name is resolved and every address judged.
    A name that does not resolve now is accepted (an apprise URL's host may be a token,
    and the network may be down): every delivery checks again.
    """
    host = destination_host(url)
    if host is None:
        return None
    literal = literal_address(host)
    if literal is not None:
        reason = refusal(literal, allow)
    else:
        try:
            found = resolve(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return None
        reason = address_refusal(host, [info[4][0] for info in found], allow)
    return f"{reason}; {HINT}" if reason else None

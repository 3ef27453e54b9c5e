"""A Twisted client endpoint that connects only to addresses the SSRF guard allowed.

It resolves the host once, checks every address it got, and connects to those
same addresses (as literals), so the address checked is the address connected to.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from scrapy.exceptions import IgnoreRequest
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import TCP4ClientEndpoint, TCP6ClientEndpoint, wrapClientTLS
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import (
    IAddress,
    IHostResolution,
    IResolutionReceiver,
    IStreamClientEndpoint,
)
from twisted.python.failure import Failure
from twisted.web.client import URI
from twisted.web.iweb import IAgentEndpointFactory, IPolicyForHTTPS
from zope.interface import implementer

from newsmon.guard.netguard import IPNetwork, hinted, refusal


class Refused(IgnoreRequest):
    """A request the SSRF guard (or the URL check) refused; the message is the reason."""


@implementer(IResolutionReceiver)
class _Addresses:
    """Collects one resolution's addresses into a Deferred."""

    def __init__(self) -> None:
        self.addresses: list[str] = []
        self.done: Deferred[list[str]] = Deferred()

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        pass

    def addressResolved(self, address: IAddress) -> None:
        host = getattr(address, "host", None)
        if host and host not in self.addresses:
            self.addresses.append(host)

    def resolutionComplete(self) -> None:
        if not self.done.called:  # a cancelled download has already given up on us
            self.done.callback(self.addresses)


def checked(host: str, addresses: list[str], allow: tuple[IPNetwork, ...]) -> list[str]:
    """The addresses to connect to; a host with any forbidden address is refused whole.

    IPv4 comes first: tried one after another (no happy eyeballs), a host with a
    broken IPv6 route would otherwise wait out the timeout on every request.
    """
    if not addresses:
        raise DNSLookupError(f"no address found for {host}")
    for address in addresses:
        reason = refusal(address, allow)
        if reason:
            shown = reason if host == address else f"{reason} (resolved from {host})"
            raise Refused(hinted(shown))
    return sorted(addresses, key=lambda address: ":" in address)


def resolve_checked(
    reactor: Any, host: str, port: int, allow: tuple[IPNetwork, ...]
) -> Deferred[list[str]]:
    """`host`'s addresses, every one checked (see `checked`), resolved now: for a
    connection about to be made to them, such as a source's proxy."""
    host = host.strip("[]")
    receiver = _Addresses()
    reactor.nameResolver.resolveHostName(receiver, host, portNumber=port)
    d = receiver.done
    d.addCallback(lambda found: checked(host, found, allow))
    return d


@implementer(IStreamClientEndpoint)
class GuardedEndpoint:
    """Resolve, check, then connect to the checked literal addresses, one after another."""

    def __init__(
        self,
        reactor: Any,
        host: str,
        port: int,
        *,
        allow: tuple[IPNetwork, ...],
        timeout: float,
        bind_address: tuple[str, int] | None,
    ) -> None:
        self._reactor = reactor
        self._host = host.strip("[]")
        self._port = port
        self._allow = allow
        self._timeout = timeout
        self._bind = bind_address

    def connect(self, factory: Any) -> Deferred[Any]:
        d = resolve_checked(self._reactor, self._host, self._port, self._allow)
        d.addCallback(self._connect_first, factory)
        return d

    def _endpoint(self, address: str) -> IStreamClientEndpoint:
        kind = (
            TCP6ClientEndpoint if ipaddress.ip_address(address).version == 6 else TCP4ClientEndpoint
        )
        return kind(
            self._reactor, address, self._port, timeout=self._timeout, bindAddress=self._bind
        )

    def _connect_first(self, addresses: list[str], factory: Any) -> Deferred[Any]:
        d = self._endpoint(addresses[0]).connect(factory)
        if len(addresses) > 1:

            def next_address(failure: Failure) -> Deferred[Any]:
                return self._connect_first(addresses[1:], factory)

            d.addErrback(next_address)
        return d


@implementer(IAgentEndpointFactory)
class GuardedEndpointFactory:
    """Endpoints for an Agent: guarded TCP for http, with TLS on top for https."""

    def __init__(
        self,
        reactor: Any,
        *,
        policy: IPolicyForHTTPS,
        timeout: float,
        bind_address: tuple[str, int] | None,
        allow: tuple[IPNetwork, ...],
    ) -> None:
        self._reactor = reactor
        self._policy = policy
        self._timeout = timeout
        self._bindAddress = bind_address  # the name Scrapy's pool key reads
        self._allow = allow

    def endpointForURI(self, uri: URI) -> IStreamClientEndpoint:
        endpoint = GuardedEndpoint(
            self._reactor,
            uri.host.decode("ascii"),
            uri.port,
            allow=self._allow,
            timeout=self._timeout,
            bind_address=self._bindAddress,
        )
        if uri.scheme == b"https":
            return wrapClientTLS(self._policy.creatorForNetloc(uri.host, uri.port), endpoint)
        return endpoint

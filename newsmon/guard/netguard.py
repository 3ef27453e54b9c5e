"""The SSRF guard's decisions: which addresses newsmon may connect to, and why not.

Pure functions over addresses and networks; the Scrapy wiring that applies them
at connection time lives in newsmon/guard/fetch.py. Only public (global) unicast
addresses are allowed, plus the networks an operator names in `allow_networks`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from newsmon.core.urls import parse_ipv4_number

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


class NetworkError(ValueError):
    """An `allow_networks` entry that is not a network."""


def parse_networks(values: str | Iterable[str] | None) -> tuple[IPNetwork, ...]:
    """CIDRs from a list or a comma-separated string (`127.0.0.0/8,::1/128`).

    Raises:
        NetworkError: naming the entry that is not a CIDR.
    """
    if values is None:
        return ()
    if isinstance(values, str):
        values = values.split(",")
    networks = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise NetworkError(
                f"allow_networks: {value!r} is not a network (e.g. 10.0.0.0/8)"
            ) from None
    return tuple(networks)


def literal_address(host: str) -> IPAddress | None:
    """The address a URL host spells, in any notation (`[::1]`, `0x7f.1`), else None for names."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return parse_ipv4_number(host)


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries: mapped, compatible, 6to4, NAT64 or Teredo client."""
    if address.version == 4:
        return None
    assert isinstance(address, ipaddress.IPv6Address)
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def kind_of(address: IPAddress) -> str | None:
    """What makes an address off-limits ("a loopback address"), or None for a public one."""
    checks = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.version == 4 and address in _CGNAT, "a carrier-grade NAT address"),
        (address.is_multicast, "a multicast address"),
        (getattr(address, "is_site_local", False), "a site-local address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "not a public address"),
    )
    return next((reason for hit, reason in checks if hit), None)


# Said after every refusal a crawl or a command reports: how an operator opens a range
# they do mean to watch (an intranet site, a test server), instead of guessing.
ALLOW_HINT = "; to allow it, add its range to allow_networks (NEWSMON_ALLOW_NETWORKS)"


def hinted(reason: str) -> str:
    """A refusal with the way to lift it, for the person who reads it."""
    return reason if reason.endswith(ALLOW_HINT) else reason + ALLOW_HINT


def _allowed(address: IPAddress, allow: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in allow)


def refusal(address: str | IPAddress, allow: tuple[IPNetwork, ...] = ()) -> str | None:
    """Why newsmon must not connect to `address`, or None when it may.

    Returns:
        e.g. "refused: 169.254.169.254 is a link-local address".
    """
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%")[0])
    if _allowed(address, allow):
        return None
    inner = embedded_ipv4(address)
    if inner is not None:
        if _allowed(inner, allow):
            return None
        inner_kind = kind_of(inner)
        if inner_kind:
            return f"refused: {address} carries {inner}, {inner_kind}"
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            return None  # ::ffff:8.8.8.8 is 8.8.8.8
    kind = kind_of(address)
    return f"refused: {address} is {kind}" if kind else None

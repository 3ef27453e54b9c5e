"""The SSRF guard's decisions, and its Scrapy middleware refusing before anything is sent."""

from __future__ import annotations

import pytest
from scrapy import Request

from newsmon.config.settings import Config
from newsmon.guard.fetch import GuardMiddleware, Refused, request_refusal
from newsmon.guard.netguard import NetworkError, literal_address, parse_networks, refusal

LOOPBACK = parse_networks("127.0.0.0/8,::1/128")


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "refused: 127.0.0.1 is a loopback address"),
        ("10.0.0.1", "refused: 10.0.0.1 is a private address"),
        ("172.16.5.4", "refused: 172.16.5.4 is a private address"),
        ("192.168.1.1", "refused: 192.168.1.1 is a private address"),
        ("169.254.169.254", "refused: 169.254.169.254 is a link-local address"),
        ("100.64.0.1", "refused: 100.64.0.1 is a carrier-grade NAT address"),
        ("0.0.0.0", "refused: 0.0.0.0 is an unspecified address"),
        ("224.0.0.1", "refused: 224.0.0.1 is a multicast address"),
        ("240.0.0.1", "refused: 240.0.0.1 is a private address"),
        ("192.0.2.7", "refused: 192.0.2.7 is a private address"),
        ("::1", "refused: ::1 is a loopback address"),
        ("::", "refused: :: is an unspecified address"),
        ("fe80::1", "refused: fe80::1 is a link-local address"),
        ("fc00::1", "refused: fc00::1 is a private address"),
        ("fec0::1", "refused: fec0::1 is a site-local address"),
        ("ff02::1", "refused: ff02::1 is a multicast address"),
        (
            "::ffff:169.254.169.254",
            "refused: ::ffff:a9fe:a9fe carries 169.254.169.254, a link-local address",
        ),
        ("::127.0.0.1", "refused: ::7f00:1 carries 127.0.0.1, a loopback address"),
        ("64:ff9b::a00:1", "refused: 64:ff9b::a00:1 carries 10.0.0.1, a private address"),
        (
            "2002:a9fe:a9fe::1",
            "refused: 2002:a9fe:a9fe::1 carries 169.254.169.254, a link-local address",
        ),
    ],
)
def test_non_public_addresses_are_refused_with_a_reason(address, reason):
    assert refusal(address) == reason


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "2606:2800:21f::1", "::ffff:8.8.8.8", "2002:808:808::1"]
)
def test_public_addresses_pass(address):
    assert refusal(address) is None


def test_allow_networks_opens_named_ranges_and_nothing_else():
    assert refusal("127.0.0.2", LOOPBACK) is None
    assert refusal("::1", LOOPBACK) is None
    assert refusal("::ffff:127.0.0.1", LOOPBACK) is None  # the same host, mapped
    assert refusal("10.0.0.1", LOOPBACK) == "refused: 10.0.0.1 is a private address"
    only = parse_networks(["127.0.0.2/32"])
    assert refusal("127.0.0.1", only) == "refused: 127.0.0.1 is a loopback address"


def test_allow_networks_must_be_networks():
    with pytest.raises(NetworkError, match="'intranet' is not a network"):
        parse_networks("10.0.0.0/8, intranet")


def test_allow_networks_comes_comma_separated_from_the_environment():
    config = Config.load(env={"NEWSMON_ALLOW_NETWORKS": "127.0.0.0/8, ::1/128"})
    assert config.allow_networks == ["127.0.0.0/8", "::1/128"]
    assert Config().allow_networks == []  # the guard is on by default


@pytest.mark.parametrize(
    "host", ["2130706433", "0x7f.1", "017700000001", "127.1", "0x7f000001", "127.0.0.1", "[::1]"]
)
def test_numeric_spellings_are_read_as_addresses(host):
    assert str(literal_address(host)) in ("127.0.0.1", "::1")


def test_host_names_are_not_literals():
    assert literal_address("localhost") is None
    assert literal_address("news.example.org") is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.1.2.3/admin", "refused: 10.1.2.3 is a private address"),
        ("http://169.254.169.254/latest/", "refused: 169.254.169.254 is a link-local address"),
        ("http://0x7f.1:8080/", "refused: 127.0.0.1 is a loopback address"),
        ("http://2130706433/", "refused: 127.0.0.1 is a loopback address"),
        ("http://[::ffff:10.0.0.1]/", "carries 10.0.0.1, a private address"),
        ("http://user:pw@example.org/", "refused: URL carries a user name or password"),
        ("file:///etc/passwd", "refused: not an http(s) URL"),
    ],
)
def test_the_middleware_refuses_before_any_connection(url, reason):
    middleware = GuardMiddleware(allow=())
    with pytest.raises(Refused, match=reason.replace("(", r"\(").replace(")", r"\)")):
        middleware.process_request(Request(url))
    assert reason in (request_refusal(url, ()) or "")


def test_the_middleware_leaves_names_to_the_connection_check():
    assert GuardMiddleware(allow=()).process_request(Request("http://localhost:8080/")) is None
    assert GuardMiddleware(allow=LOOPBACK).process_request(Request("http://127.0.0.2/")) is None

"""Pure notification decisions: when retries end, and which destinations the guard refuses."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from newsmon.guard.netguard import parse_networks
from newsmon.notify.destinations import add_refusal
from newsmon.notify.rules import next_attempt

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def test_retries_run_for_a_day_from_the_first_attempt_however_late_it_came():
    first = T0 + timedelta(days=3)  # queued at T0, first tried three days later
    assert next_attempt(attempts=1, first_attempt_at=first, now=first) == first + timedelta(
        minutes=1
    )
    late = first + timedelta(hours=23, minutes=50)
    assert next_attempt(attempts=9, first_attempt_at=first, now=late) is None  # +1 h > a day
    assert next_attempt(attempts=9, first_attempt_at=first, now=first + timedelta(hours=22))


def resolver(*addresses: str):
    """A stand-in for socket.getaddrinfo answering `addresses` (the internet is mocked)."""

    def resolve(host, port, type=0):
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 0)) for a in addresses]

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "json://169.254.169.254/hook",
        "http://[::ffff:169.254.169.254]/",
        "http://0xa9fea9fe/",  # 169.254.169.254 in another spelling
    ],
)
def test_an_address_literal_off_the_allow_list_is_refused_naming_allow_networks(url):
    reason = add_refusal(url, (), resolve=resolver())
    assert reason is not None and "169.254.169.254" in reason and "allow_networks" in reason


def test_a_name_is_refused_when_any_of_its_addresses_is():
    mixed = resolver("93.184.215.14", "10.0.0.7")
    reason = add_refusal("https://hooks.example.com/x", (), resolve=mixed)
    assert reason.startswith("refused: 10.0.0.7 is a private address (resolved from")
    assert add_refusal("https://hooks.example.com/x", (), resolve=resolver("93.184.215.14")) is None


def test_allow_networks_opens_a_destination_and_an_unresolvable_host_waits_for_delivery():
    intranet = parse_networks(["10.20.0.0/16"])
    assert add_refusal("http://chat.corp/hook", intranet, resolve=resolver("10.20.3.4")) is None
    assert add_refusal("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnl", (), resolve=resolver()) is None

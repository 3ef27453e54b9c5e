"""Connection-time checks: the address connected to is the address checked (no DNS rebinding)."""

from __future__ import annotations

from twisted.internet.address import IPv4Address
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import MemoryReactorClock

from newsmon.guard.connect import GuardedEndpoint, Refused
from newsmon.guard.netguard import parse_networks


class Answers:
    """A name resolver standing in for the internet's DNS: fixed answers per name."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def resolveHostName(self, receiver, name, portNumber=0, *args, **kwargs):
        self.asked.append(name)
        receiver.resolutionBegan(None)
        for address in self.answers.get(name, []):
            receiver.addressResolved(IPv4Address("TCP", address, portNumber))
        receiver.resolutionComplete()
        return receiver


def connect(answers: dict[str, list[str]], host: str, allow: str = ""):
    reactor = MemoryReactorClock()
    reactor.nameResolver = Answers(answers)
    endpoint = GuardedEndpoint(
        reactor, host, 8080, allow=parse_networks(allow), timeout=5, bind_address=None
    )
    result = endpoint.connect(Factory.forProtocol(Protocol))
    failures = []
    result.addErrback(failures.append)
    return reactor, failures


def test_a_name_resolving_into_the_private_network_is_refused_before_connecting():
    reactor, failures = connect({"rebind.example": ["93.184.215.14", "10.0.0.7"]}, "rebind.example")
    assert reactor.tcpClients == []
    assert failures[0].check(Refused)
    assert str(failures[0].value) == (
        "refused: 10.0.0.7 is a private address (resolved from rebind.example)"
        "; to allow it, add its range to allow_networks (NEWSMON_ALLOW_NETWORKS)"
    )


def test_the_checked_address_itself_is_connected_to_never_the_name():
    reactor, failures = connect(
        {"intranet.example": ["127.0.0.2"]}, "intranet.example", "127.0.0.2/32"
    )
    assert failures == []
    assert [(host, port) for host, port, *_ in reactor.tcpClients] == [("127.0.0.2", 8080)]
    assert reactor.nameResolver.asked == ["intranet.example"]  # resolved once, not again


def test_a_name_without_addresses_is_a_lookup_error():
    reactor, failures = connect({}, "nowhere.example")
    assert reactor.tcpClients == []
    assert "no address found for nowhere.example" in str(failures[0].value)

"""One webhook POST through the SSRF guard, reading at most a few KB of the answer.

httpcore (the transport under httpx) with a network backend that resolves the host
once, checks every address and connects only to an address it checked, so DNS
rebinding finds no gap; TLS still verifies the certificate against the host name.
httpcore follows no redirects and uses no proxy: a 3xx is the answer, not delivered.
The whole exchange runs under one deadline; a receiver that has answered its status
but drips its body is cut off there and its status kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterable
from typing import Any

import httpcore

from newsmon.guard.netguard import IPNetwork
from newsmon.notify.destinations import DestinationRefused, address_refusal

BODY_CAP = 4096  # bytes of a webhook's answer read at most; the rest is never received


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, connecting only to addresses the SSRF guard allows."""

    def __init__(self, allow: tuple[IPNetwork, ...]) -> None:
        self._allow = allow
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
        reason = address_refusal(host, addresses, self._allow)
        if reason:
            raise DestinationRefused(reason)
        error: Exception = DestinationRefused(f"no address found for {host}")
        for address in sorted(addresses, key=lambda a: ":" in a):  # IPv4 first, one by one
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise DestinationRefused("refused: a notification goes over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow: tuple[IPNetwork, ...],
    timeout: float,
    cap: int = BODY_CAP,
) -> int:
    """POST `body` to `url` and return the answer's status.

    Raises:
        TimeoutError: no status within `timeout` seconds.
        DestinationRefused: the host is not one newsmon may connect to.
        httpcore.NetworkError, httpcore.ProtocolError: the exchange failed.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    status: int | None = None
    backend = GuardedBackend(allow)
    async with httpcore.AsyncConnectionPool(
        network_backend=backend, max_connections=1, retries=0
    ) as pool:
        try:
            async with (
                asyncio.timeout_at(deadline),
                pool.stream("POST", url, headers=list(headers.items()), content=body) as response,
            ):
                status = response.status
                await _read_some(response, cap)
        except TimeoutError:
            if status is None:
                raise
    return status


async def _read_some(response: httpcore.Response, cap: int) -> None:
    """Read the answer's first `cap` bytes (one network read at most past it), then stop."""
    read = 0
    # httpcore annotates aiter_stream as an AsyncIterator; it is an async generator (aclose).
    async with contextlib.aclosing(response.aiter_stream()) as chunks:  # type: ignore[type-var]
        async for chunk in chunks:
            read += len(chunk)
            if read >= cap:
                return

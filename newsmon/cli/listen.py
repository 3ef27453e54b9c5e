"""The web app's listening socket, bound before anything starts so a busy port is one line."""

from __future__ import annotations

import errno
import socket

from newsmon.config.settings import ConfigError


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or ConfigError saying why in one line."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family = infos[0][0]
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        raise ConfigError(f"cannot serve on {host}:{port}: {_reason(exc, port)}") from None


def _reason(exc: OSError, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is already in use (choose another with --port or web_port)"
    if exc.errno == errno.EACCES:
        return f"no permission to listen on port {port} (ports below 1024 need privileges)"
    if exc.errno == errno.EADDRNOTAVAIL:
        return "this machine has no such address (set --host or web_host)"
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror})"
    return exc.strerror or str(exc)

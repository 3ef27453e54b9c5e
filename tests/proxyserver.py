"""A real loopback HTTP forward proxy for tests: relays plain-HTTP GETs and records them."""

from __future__ import annotations

import http.client
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Relayed:
    target: str  # the absolute URL the client asked the proxy for
    headers: dict[str, str]


@dataclass
class Proxy:
    """Forwards `GET http://host/path` to the origin and answers with its response."""

    relayed: list[Relayed] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])


def _handler(proxy: Proxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            proxy.relayed.append(Relayed(self.path, dict(self.headers.items())))
            target = urlsplit(self.path)
            if not target.hostname:  # not a proxy request: a proxy answers 400
                self.send_response(400)
                self.end_headers()
                return
            hop = {"proxy-authorization", "proxy-connection", "connection"}
            headers = {k: v for k, v in self.headers.items() if k.lower() not in hop}
            origin = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
            path = target.path + (f"?{target.query}" if target.query else "")
            origin.request("GET", path or "/", headers=headers)
            answer = origin.getresponse()
            body = answer.read()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            origin.close()

    return Handler


def start(proxy: Proxy) -> Proxy:
    proxy.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    proxy.server.daemon_threads = True
    threading.Thread(target=proxy.server.serve_forever, daemon=True).start()
    return proxy


def stop(proxy: Proxy) -> None:
    assert proxy.server is not None
    proxy.server.shutdown()
    proxy.server.server_close()

"""A real loopback HTTP receiver for notification tests: scripted answers, or none at all."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (200 when the script runs out).

    With `hang` set, it holds every request open until `release()`. `body` says what
    follows the status: "ok", an "endless" body (64 KiB writes, a millisecond apart),
    or a "drip" of one byte a second; both go on until the client hangs up or
    `release()`. With `redirect` set, every POST is answered 302 to that URL. GETs
    (a followed redirect) are recorded too.
    """

    script: list[int] = field(default_factory=list)
    hang: bool = False
    body: str = "ok"
    redirect: str | None = None
    host: str = "127.0.0.1"
    sent: int = 0  # body bytes written
    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hook"

    def release(self) -> None:
        self.released.set()


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            receiver.received.append(Received(self.path, dict(self.headers.items()), b""))
            receiver.arrived.set()
            self._answer(200, b"ok")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            receiver.arrived.set()
            if receiver.hang:
                receiver.released.wait(60)
            if receiver.redirect:
                self.send_response(302)
                self.send_header("Location", receiver.redirect)
                self._answer(None, b"")
            elif receiver.body == "ok":
                self._answer(receiver.script.pop(0) if receiver.script else 200, b"ok")
            else:
                self.send_response(200)
                self.end_headers()  # no length: the body runs until the connection closes
                self._stream(b"x" * 65536 if receiver.body == "endless" else b"x", receiver.body)

        def _answer(self, status: int | None, body: bytes) -> None:
            if status is not None:
                self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _stream(self, chunk: bytes, kind: str) -> None:
            pause = 1.0 if kind == "drip" else 0.001  # endless: up to 64 MB/s, gentle on CI
            try:
                while not receiver.released.wait(pause):
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    receiver.sent += len(chunk)
            except OSError:
                pass  # the client hung up: what a bounded client does

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a round posts to many subscriptions at once

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up on a hanging answer is expected


def start(receiver: Receiver) -> Receiver:
    receiver.server = _Server((receiver.host, 0), _handler(receiver))
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver


def stop(receiver: Receiver) -> None:
    receiver.release()
    if receiver.server is not None:
        receiver.server.shutdown()
        receiver.server.server_close()

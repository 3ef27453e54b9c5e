"""Runs one round's apprise notifications in a child process that is killed at its deadline.

The child (newsmon.notify.apprisechild) is started per round with no proxy settings,
handed the round's messages on stdin, and answers one line per finished message. It
is killed when its deadline passes or when the round is cancelled (the service
stopping), so no apprise plugin can hold memory, a thread or the process's exit.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass

from newsmon.guard.netguard import IPNetwork

STARTUP_GRACE = 10.0  # seconds the child may take to start (importing apprise) on a busy host
APPRISE_CAP = 65536  # bytes of a service's answer read at most (some plugins parse JSON answers)
PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


@dataclass(frozen=True)
class Message:
    """One apprise notification to send."""

    delivery_id: int
    url: str
    title: str
    body: str


@dataclass(frozen=True)
class Answer:
    """How one message went: delivered, or why not."""

    delivery_id: int
    ok: bool
    error: str | None


def child_environment() -> dict[str, str]:
    """The service's environment without proxy settings: notifications connect directly."""
    return {k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARIABLES}


async def send_messages(
    messages: list[Message], *, allow: tuple[IPNetwork, ...], timeout: float
) -> list[Answer]:
    """Send `messages` through apprise in one child process; one Answer each, in order."""
    if not messages:
        return []
    request = {
        "allow": [str(net) for net in allow],
        "cap": APPRISE_CAP,
        "timeout": timeout,
        "jobs": [
            {"id": m.delivery_id, "url": m.url, "title": m.title, "body": m.body} for m in messages
        ],
    }
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "newsmon.notify.apprisechild",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=child_environment(),
    )
    answers: dict[int, Answer] = {}
    missing = f"no answer within {timeout:g} s"
    try:
        async with asyncio.timeout(timeout + STARTUP_GRACE):
            assert child.stdin is not None and child.stdout is not None
            child.stdin.write(json.dumps(request).encode())
            await child.stdin.drain()
            child.stdin.close()
            while len(answers) < len(messages):
                line = await child.stdout.readline()
                if not line:
                    missing = f"the apprise process ended early (exit {await child.wait()})"
                    break
                answer = _answer(line)
                if answer is not None:
                    answers[answer.delivery_id] = answer
    except (TimeoutError, ConnectionError):
        pass
    finally:
        if child.returncode is None:
            child.kill()
        await child.wait()
    return [answers.get(m.delivery_id) or Answer(m.delivery_id, False, missing) for m in messages]


def _answer(line: bytes) -> Answer | None:
    try:
        data = json.loads(line)
        return Answer(int(data["id"]), bool(data["ok"]), data.get("error"))
    except (ValueError, KeyError, TypeError):
        return None

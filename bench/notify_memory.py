"""Notification memory benchmark: a full round against receivers with endless answers vs normal.

Run on demand: `python bench/notify_memory.py [JOBS] [APPRISE_JOBS]`. Sends one round
(JOBS deliveries, default 200, the round limit; APPRISE_JOBS of them, default 20, to an
apprise json:// destination, the rest as webhooks) through the functions a delivery
round uses, first to a loopback receiver that answers "ok", then to one that answers
200 and streams an endless body. A sampling thread records the peak resident memory
of this process and its children (the apprise process) above what it was before the
round. Bounded reads keep the endless round near the normal one: a ratio near 1, where
an unbounded client would grow by the whole stream (tens of MB a second per delivery).
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsmon.guard.netguard import parse_networks
from newsmon.notify.records import Job
from newsmon.notify.rules import ChangeFacts
from newsmon.notify.send import SendLimits, send_all
from tests import receiver as rx

MB = 1024 * 1024


def tree_resident(pid: int) -> int:
    """Resident bytes of `pid` and its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    pids, frontier = {pid}, {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        pids |= frontier
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(x.split()[1]) for x in f if x.startswith("VmRSS:")) * 1024
        except (OSError, StopIteration):
            continue
    return total


def jobs(receiver: rx.Receiver, count: int, apprise: int) -> list[Job]:
    host, port = receiver.server.server_address[:2]
    facts = ChangeFacts(
        1, "https://example.org/a", "A story", "s", 1, "edit", 3, 2, datetime.now(UTC)
    )
    return [
        Job(n, f"json://{host}:{port}/a" if n < apprise else receiver.url, "secret", facts)
        for n in range(count)
    ]


def peak_round(body: str, count: int, apprise: int) -> tuple[float, float, float]:
    """(peak MB above the start, seconds, MB the receiver wrote) for one round."""
    receiver = rx.start(rx.Receiver(body=body))
    start = tree_resident(os.getpid())
    peak, done = start, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.01):
            peak = max(peak, tree_resident(os.getpid()))

    sampler = threading.Thread(target=sample)
    sampler.start()
    limits = SendLimits(allow=parse_networks(["127.0.0.0/8"]))
    began = time.monotonic()
    outcomes = asyncio.run(
        send_all(jobs(receiver, count, apprise), base_url="http://x", limits=limits)
    )
    took = time.monotonic() - began
    done.set()
    sampler.join()
    rx.stop(receiver)
    delivered = sum(o.ok for o in outcomes)
    assert delivered == count, [o.error for o in outcomes if not o.ok][:3]
    return (peak - start) / MB, took, receiver.sent / MB


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    apprise = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    peak_round("ok", count, apprise)  # warm-up: imports, the first apprise process
    normal, normal_s, _ = peak_round("ok", count, apprise)
    endless, endless_s, streamed = peak_round("endless", count, apprise)
    print(f"one round of {count} deliveries ({apprise} through apprise), peak memory above start")
    print(f"  normal receiver:  {normal:7.1f} MB  ({normal_s:.1f} s)")
    print(
        f"  endless receiver: {endless:7.1f} MB  ({endless_s:.1f} s; its writes, {streamed:.0f} MB,"
        " went to socket buffers until newsmon hung up)"
    )
    print(f"  ratio endless/normal: {endless / max(normal, 0.1):.2f}")


if __name__ == "__main__":
    main()

"""Hostile notification receivers against a real `newsmon run` process: memory and SIGTERM."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from tests import receiver as rx
from tests.newssite import story
from tests.test_service import Service, alive, descendants, versions_of

MB = 1024 * 1024
MEMORY_BOUND = 200 * MB  # over the service's own resident memory before any notification


@pytest.fixture
def service(tmp_path, site):
    svc = Service(tmp_path, site, NEWSMON_NOTIFY_INTERVAL="1s")
    yield svc
    if svc.proc is not None and svc.proc.poll() is None:
        svc.proc.kill()
        svc.proc.wait()


@pytest.fixture
def receivers():
    """A webhook receiver and an apprise json:// receiver, each on its own port."""
    pair = (rx.start(rx.Receiver()), rx.start(rx.Receiver()))
    yield pair
    for r in pair:
        rx.stop(r)


def resident(pids: set[int]) -> int:
    """Bytes of resident memory of `pids` together (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                line = next(x for x in f if x.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
        total += int(line.split()[1]) * 1024
    return total


class PeakMemory:
    """The highest resident memory of a process and all its children, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, resident({self.pid} | descendants(self.pid)))

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def subscribe(svc: Service, url: str) -> None:
    added = subprocess.run(
        [sys.executable, "-m", "newsmon", "notify", "add", url],
        env=svc.env,
        cwd=svc.cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr


def running_with_a_story(svc: Service, site) -> None:
    """`newsmon run` with one story stored as version 0 (the extraction worker is warm)."""
    site.publish(story("dam-inquiry"))
    svc.add_source()
    svc.start()
    svc.wait(lambda: versions_of(svc, "dam-inquiry") == [0])


def notify_both_of_an_edit(svc: Service, site, webhook: rx.Receiver, apprise: rx.Receiver) -> None:
    host, port = apprise.server.server_address[:2]
    subscribe(svc, webhook.url)
    subscribe(svc, f"json://{host}:{port}/apprise")
    site.edit("dam-inquiry", paragraph=(1, "The council now says it reviewed 40 cases."))


def attempted(svc: Service) -> int:
    return svc.query("SELECT count(*) FROM deliveries WHERE attempts > 0")[0][0]


def test_endless_answers_cost_no_memory_and_sigterm_still_ends_run(service, site, receivers):
    webhook, apprise = receivers
    webhook.body = apprise.body = "endless"
    running_with_a_story(service, site)
    baseline = resident({service.proc.pid} | descendants(service.proc.pid))
    with PeakMemory(service.proc.pid) as memory:
        notify_both_of_an_edit(service, site, webhook, apprise)
        service.wait(lambda: attempted(service) == 2 or memory.peak > baseline + MEMORY_BOUND)
    assert memory.peak - baseline < MEMORY_BOUND, f"{(memory.peak - baseline) / MB:.0f} MB"
    assert webhook.received and apprise.received
    # The status line said 200: delivered, though only the first bytes of the answer were read.
    statuses = service.query("SELECT status FROM deliveries ORDER BY id")
    assert statuses == [("delivered",), ("delivered",)]
    assert service.stop(timeout=10) == 0


def test_a_dripping_receiver_does_not_keep_run_alive_after_sigterm(service, site, receivers):
    webhook, apprise = receivers
    webhook.body = apprise.body = "drip"
    running_with_a_story(service, site)
    notify_both_of_an_edit(service, site, webhook, apprise)
    service.wait(lambda: webhook.sent > 0 and apprise.sent > 0)  # both mid-answer
    children = descendants(service.proc.pid)
    assert service.stop(timeout=10) == 0  # raises TimeoutExpired if run lives on
    assert site.wait_for(lambda: not alive(children), 10), "a child outlived newsmon run"
    log = service.log.read_text()
    assert "stopped" in log and "Traceback" not in log

"""Start-up benchmark: seconds from a crawler's start until it checks at its full rate.

Run on demand: `python bench/warmstart.py [SECONDS] [HOSTS]` (also part of
`python bench/throughput.py`). Loopback sites (bench/loopback_sites.py, 100 ms,
churning boilerplate) with HOSTS hosts (default 30) of 20 articles each, every article
always due, default politeness: the crawl is bound by the politeness ceiling, not the
CPU, so its rate at start says what the start costs. Two fresh processes in turn on one
database:

- the first run: a fresh database whose sources were just added (robots.txt not known,
  no article seen): its feeds are polled, its articles found and captured;
- a restart on that database (robots.txt stored, every article known).

For each, SECONDS (default 30) of checks are read back from the database (`checks.at`),
and printed: the steady rate (checks/s over the second half), the rate in the first
5 s, and the seconds from the crawl's start until the rolling rate over 2 s first
reaches 90% of the steady rate (`time_to_full_rate`).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.throughput import LATENCY, Sites, add_sources, config_for

SHARE = 0.9  # "full rate": this share of the steady rate
WINDOW = 2.0  # seconds of the rolling rate


def steady_rate(times: list[float], seconds: float) -> float:
    """Checks per second over the second half of the run."""
    half = seconds / 2
    return sum(1 for t in times if half <= t < seconds) / half


def time_to_full_rate(
    times: list[float], steady: float, *, window: float = WINDOW, share: float = SHARE
) -> float | None:
    """Seconds from start until the checks of the last `window` seconds first reach
    `share` of `steady` per second (None if they never do). `times` are seconds since
    start, sorted."""
    need = share * steady * window
    first = 0
    for last, t in enumerate(times):
        while times[first] <= t - window:
            first += 1
        if t >= window and last - first + 1 >= need:
            return t
    return None


def _run(db: Path, seconds: float, feeds: list[tuple[str, str]] | None) -> list[float]:
    """One crawler process: `run_continuously` for `seconds` (first adding a source per
    feed, when given); the checks' times since its start."""
    from sqlalchemy import select

    from newsmon.crawl.reactor import process_reactor
    from newsmon.crawl.service import CrawlService
    from newsmon.crawl.workers import shutdown_pools
    from newsmon.storage.db import shared_engine
    from newsmon.storage.models import Check

    config = config_for(db, recheck_schedule=[["40d", "1s"]])
    if feeds is not None:
        add_sources(config, feeds)
    reactor = process_reactor()
    service = CrawlService(config)
    started = time.time()
    crawl = asyncio.run_coroutine_threadsafe(service.run_continuously(), reactor.loop)
    try:
        time.sleep(seconds)
    finally:
        reactor.run(service.stop)
        crawl.result(120)
        shutdown_pools()
    with shared_engine(config.database_url).connect() as conn:
        ats = conn.execute(select(Check.at)).scalars().all()
    times = [(at.replace(tzinfo=at.tzinfo or UTC)).timestamp() - started for at in ats]
    return sorted(t for t in times if t >= 0)


def run_in_process(db: Path, seconds: float, feeds: list[tuple[str, str]] | None) -> list[float]:
    """`_run` in a fresh process, as `newsmon run` starts in one."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(_run, db, seconds, feeds).result()


def report(label: str, times: list[float], seconds: float) -> None:
    steady = steady_rate(times, seconds)
    first = sum(1 for t in times if t < 5.0) / 5.0
    full = time_to_full_rate(times, steady)
    reached = f"{full:5.1f} s" if full is not None else "never"
    print(
        f"{label}: steady {steady:6.1f} checks/s; first 5 s {first:6.1f} checks/s "
        f"= {first / max(steady, 1e-9):4.2f}x; full rate ({SHARE:.0%}, {WINDOW:.0f} s "
        f"rolling) after {reached}"
    )


def warm_start(seconds: float = 30.0, hosts: int = 30) -> None:
    sites = Sites(hosts, 20, delay=LATENCY, mode="churn")  # the same sites for both runs
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "start.db"
            first = run_in_process(db, seconds, sites.feeds)
            report(f"first run, {hosts} new sources", first, seconds)
            report("restart on that database", run_in_process(db, seconds, None), seconds)
    finally:
        sites.stop()


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    seconds = float(args[0]) if args else 30.0
    hosts = int(args[1]) if args[1:] else 30
    warm_start(seconds, hosts)


if __name__ == "__main__":
    main()

"""Throughput benchmark: `newsmon run` against the naive loop and the extraction ceiling.

Run on demand: `python bench/throughput.py [SECONDS]`. Everything is measured in one
run on this machine (each `newsmon run` measurement in a fresh process of its own, as
the service is one process), against loopback news sites (tests/newssite.py) whose
every response is delayed 100 ms and whose boilerplate changes on every request (so
every check extracts):

- the sequential baseline: fetch a page, extract it, next page (diffengine's way);
- the extraction-only ceiling: `extract_workers` processes extracting the same pages;
- `newsmon run`'s continuous crawl, with every article always due, 2,000 articles over
  100 hosts (127.0.0.1-100) under the default politeness settings, sustained checks/s
  over SECONDS (default 60) after a warm-up;
- the same crawl with no latency and politeness off: there the crawl's own work per
  check, not extraction, is the larger cost on these light pages;
- the same crawl (default politeness, 100 ms) over the extraction benchmark's real news
  pages (../shared/data), where extraction is the bottleneck, as a share of the
  extraction-only ceiling on those pages;
- CPU seconds per check for a changed page, a page with unchanged bytes, and a 304,
  each in the continuous crawl with no latency and politeness off, with the checks/s
  it sustains (the sites' own process shares the machine's cores);
- one source whose articles live on all 100 hosts against the same hosts as 100
  sources (default politeness, 100 ms): the in-flight window is per host, so the ratio
  should be near 1; with the checks/s of each crawl's first 5 s against its steady rate
  (the start: robots.txt and AutoThrottle's first delay). `python bench/throughput.py
  SECONDS hosts` runs this comparison alone.
- the fast path for unchanged stories on the real pages: CPU per unchanged real-page
  check, reading only the remembered story region against a full extraction (in this
  process), and in the continuous crawl (no latency, politeness off) with the fast path
  and without it, with the crawl process's own share (claims, Scrapy, pipelines, the
  writer; the rest is the extraction workers') (`--fast-only` runs just this part).
- seconds to full rate after a start, for a fresh database's first run and for a
  restart on it (bench/warmstart.py, which also runs alone).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HOSTS = 100
FIRST = 5.0  # seconds: the start whose rate is measured
PER_HOST = 20
LATENCY = 0.1


class Sites:
    """Loopback news sites served by a child process (bench/loopback_sites.py)."""

    def __init__(self, hosts: int, per_host: int, *, delay: float = LATENCY, mode: str = "churn"):
        script = Path(__file__).with_name("loopback_sites.py")
        args = [sys.executable, str(script), str(hosts), str(per_host), str(delay), mode]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.feeds: list[tuple[str, str]] = []
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.strip() == "ready":
                break
            slug, url = line.split()
            self.feeds.append((slug, url))
        self.per_host = per_host

    def article_urls(self) -> list[str]:
        return [
            url.replace("/feeds/rss.xml", f"/news/h{h}-story-{i:02d}")
            for h, (_, url) in enumerate(self.feeds)
            for i in range(self.per_host)
        ]

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:  # a handler thread still held by a keep-alive
            self.proc.kill()
            self.proc.wait(30)


def config_for(db: Path, **overrides):
    from newsmon.config.settings import Config

    values = {
        "database_url": f"sqlite:///{db}",
        "log_level": "WARNING",
        "allow_networks": ["127.0.0.0/8"],
        **overrides,
    }
    known = set(Config.model_fields) if hasattr(Config, "model_fields") else None
    if known is None:
        from dataclasses import fields

        known = {f.name for f in fields(Config)}
    return Config(**{k: v for k, v in values.items() if k in known})


def add_sources(config, feeds: list[tuple[str, str]], *, one_source: bool = False) -> None:
    """A source per site's (slug, feed URL), or one source with every site's feed (an
    aggregator)."""
    from newsmon.core.clock import SystemClock
    from newsmon.sources.registry import SourceSpec, add_source
    from newsmon.storage.db import ensure_schema, transaction

    with transaction(ensure_schema(config.database_url)) as session:
        if one_source:
            urls = tuple(feed for _, feed in feeds)
            spec = SourceSpec(slug="everywhere", name="everywhere", feeds=urls)
            add_source(session, spec=spec, now=SystemClock().now())
            return
        for slug, feed in feeds:
            spec = SourceSpec(slug=slug, name=slug, feeds=(feed,))
            add_source(session, spec=spec, now=SystemClock().now())


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def sequential_baseline(sites: Sites, pages: int = 60) -> float:
    """Fetch then extract, one page after another."""
    from newsmon.extract.page import extract

    urls = sites.article_urls()[:pages]
    started = time.perf_counter()
    for url in urls:
        extract(fetch(url), url)
    return len(urls) / (time.perf_counter() - started)


def _extract_one(html: str) -> int:
    from newsmon.extract.page import extract

    return len(extract(html, None).text)


def extraction_ceiling(
    sites: Sites, workers: int, pages: int = 600, min_seconds: float = 15.0
) -> tuple[float, float]:
    """Only extraction, in `workers` processes, on the pages the crawl fetches: pages/s
    and CPU seconds a page. Passes over the pages for at least `min_seconds`, as a
    one-second figure swings by a quarter."""
    htmls = [fetch(url) for url in sites.article_urls()[:pages]]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_extract_one, htmls[: workers * 4]))  # warm the workers
        serving = sites.proc.pid
        started, cpu, done = time.perf_counter(), cpu_seconds(besides=serving), 0
        while time.perf_counter() - started < min_seconds:
            list(pool.map(_extract_one, htmls, chunksize=4))
            done += len(htmls)
        elapsed = time.perf_counter() - started
        return done / elapsed, (cpu_seconds(besides=serving) - cpu) / done


def count_checks(config, table: str = "Check") -> int:
    from sqlalchemy import func, select

    from newsmon.storage import models
    from newsmon.storage.db import shared_engine

    with shared_engine(config.database_url).connect() as conn:
        query = select(func.count()).select_from(getattr(models, table))
        return conn.execute(query).scalar_one()


# Politeness off and no latency: the crawl is bound by CPU alone.
UNBOUND = {"download_delay": 0.0, "autothrottle": False, "concurrent_per_domain": 8}


@dataclass(frozen=True)
class Run:
    rate: float  # checks per second, sustained
    checks: int
    cpu: float  # CPU seconds per check: this process and its extraction workers
    first: float = 0.0  # checks per second in the first 5 s after the crawl started
    own: float = 0.0  # CPU seconds per check of the crawl process alone (no workers)
    paths: dict[str, int] = field(default_factory=dict)  # checks by path in the window


def continuous_run(*args, **kwargs) -> Run:
    """One `newsmon run` measurement in a fresh process, as the service is one process:
    no crawl measured before it leaves its heap, threads or worker pools behind."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(_continuous_run, *args, **kwargs).result()


def _continuous_run(
    seconds: float,
    workdir: Path,
    *,
    hosts: int = HOSTS,
    per_host: int = PER_HOST,
    delay: float = LATENCY,
    mode: str = "churn",
    name: str = "run",
    one_source: bool = False,
    fast: bool = True,
    nets: bool = True,
    **overrides,
) -> Run:
    """`newsmon run`'s crawl with every article always due, measured after a warm-up;
    without `fast`, every check whose bytes changed extracts in full (as before the fast
    path); without `nets`, the fast path's safety net never comes due (a fresh process,
    so these switches stay in it)."""
    from newsmon.crawl.reactor import process_reactor
    from newsmon.crawl.service import CrawlService
    from newsmon.record import reading

    if not fast:
        reading.FULL_EVERY = 0
    elif not nets:
        reading.FULL_EVERY = 10**9

    sites = Sites(hosts, per_host, delay=delay, mode=mode)
    config = config_for(workdir / f"{name}.db", recheck_schedule=[["40d", "1s"]], **overrides)
    add_sources(config, sites.feeds, one_source=one_source)
    reactor = process_reactor()
    service = CrawlService(config)
    crawl = asyncio.run_coroutine_threadsafe(service.run_continuously(), reactor.loop)
    try:
        time.sleep(FIRST)
        first = count_checks(config) / FIRST
        # Warm up past the first pass: a first check stores the article's first version,
        # rechecks (what a running service mostly does) store nothing new.
        warm = time.monotonic() + 20
        while time.monotonic() < warm or count_checks(config, "Version") < hosts * per_host:
            time.sleep(1)
        sites_pid = sites.proc.pid
        paths = checks_by_path()
        before, started = count_checks(config), time.monotonic()
        cpu, own = cpu_seconds(besides=sites_pid), time.process_time()
        time.sleep(seconds)
        checks = count_checks(config) - before
        run = Run(
            rate=checks / (time.monotonic() - started),
            checks=checks,
            cpu=(cpu_seconds(besides=sites_pid) - cpu) / max(checks, 1),
            first=first,
            own=(time.process_time() - own) / max(checks, 1),
            paths={k: v - paths.get(k, 0) for k, v in checks_by_path().items()},
        )
    finally:
        reactor.run(service.stop)
        crawl.result(120)
        sites.stop()
        from newsmon.crawl.workers import shutdown_pools

        shutdown_pools()
    return run


def checks_by_path() -> dict[str, int]:
    """This process's checks so far by how the page was read (the crawl's metrics)."""
    from newsmon.crawl.metrics import process_metrics

    counts: dict[str, int] = {}
    for metric in process_metrics().registry.collect():
        if metric.name == "newsmon_checks_by_path":
            for sample in metric.samples:
                if sample.name.endswith("_total"):
                    counts[sample.labels["path"]] = int(sample.value)
    return counts


def polite_interval(delay: float, samples: int = 200_000) -> float:
    """The mean seconds between two requests to one busy host at `delay`, as Scrapy spaces
    them: the delay is jittered (DOWNLOAD_DELAY_JITTER of it either way) and drawn again
    each time the slot is looked at, and a request leaves only once the time since the
    last one reaches the newest draw; so the wait is the longest draw of a run of them,
    0.61 s at 0.5, not 0.5 (seeded, so the same each run)."""
    import random

    from scrapy.settings import default_settings

    jitter = getattr(default_settings, "DOWNLOAD_DELAY_JITTER", 0.5)
    draw = random.Random(0).uniform
    total = 0.0
    for _ in range(samples):
        waited = delay * (1 + draw(-jitter, jitter))
        while (again := delay * (1 + draw(-jitter, jitter))) > waited:
            waited = again
        total += waited
    return total / samples


def real_pages_run(seconds: float, work: Path, workers: int) -> None:
    """The benchmark's real pages (18 ms each to extract here, against about 2 ms on the
    test site's) under the default politeness: with the fast path, an unchanged story is
    not extracted again, so the crawl should reach the politeness ceiling (each host's
    download delay) unless the CPU a check costs stops it first."""
    from newsmon.config.settings import Config
    from tests.data import BENCHMARK

    if not BENCHMARK.exists():
        print(f"real news pages: skipped, shared data not found at {BENCHMARK}")
        return
    sample = Sites(5, 20, mode="real")  # each of the 91 pages at least once
    ceiling, _ = extraction_ceiling(sample, workers, pages=100)
    sample.stop()
    print(f"extraction only, {workers} processes, real news pages: {ceiling:7.1f} pages/s")
    run = continuous_run(seconds, work, mode="real", name="real")
    polite = HOSTS / polite_interval(Config().download_delay)
    cpu_bound = (os.cpu_count() or 1) / run.cpu
    print(
        f"newsmon run, {HOSTS * PER_HOST} real news pages over {HOSTS} hosts, "
        f"{LATENCY * 1000:.0f} ms, default politeness: {run.rate:7.1f} checks/s "
        f"({run.checks} checks) = {100 * run.rate / polite:5.1f}% of the politeness ceiling "
        f"({polite:.0f}/s: {HOSTS} hosts, a request each every {HOSTS / polite:.3f} s), "
        f"{100 * run.rate / cpu_bound:5.1f}% of the CPU ceiling "
        f"({cpu_bound:.0f}/s: {os.cpu_count()} cores / {run.cpu * 1000:.1f} ms a check), "
        f"{run.rate / ceiling:4.1f}x the extraction-only ceiling"
    )


def real_page_cpu(rounds: int = 3) -> tuple[float, float]:
    """CPU seconds per unchanged real page, in this process: a full extraction, and the
    fast path's cheap parse and region fingerprint (the bytes differ, as on real sites)."""
    from newsmon.extract.fastread import read_page
    from tests.data import benchmark_pages

    # As the crawl hands them to its workers: the bytes served, and their declared encoding.
    pages = [(url, page.encode()) for _, url, page, _ in benchmark_pages()]
    stories = [read_page(page, url, encoding="utf-8").story for url, page in pages]
    full = fast = 0.0
    fast_pages = 0
    for r in range(rounds):
        for (url, page), story in zip(pages, stories, strict=True):
            again = page + f"\n<!-- request {r} -->".encode()
            started = time.process_time()
            read_page(again, url, encoding="utf-8")
            full += time.process_time() - started
            if story is not None:
                started = time.process_time()
                assert read_page(again, url, encoding="utf-8", remembered=story).extracted is None
                fast += time.process_time() - started
                fast_pages += 1
    located = sum(s is not None for s in stories)
    print(f"real pages whose story was located (fast path possible): {located}/{len(pages)}")
    return full / (rounds * len(pages)), fast / max(fast_pages, 1)


def fast_path_run(seconds: float, work: Path) -> None:
    """The fast path on the real pages: per page in this process, then in the crawl."""
    from tests.data import BENCHMARK

    if not BENCHMARK.exists():
        print(f"fast path on real pages: skipped, shared data not found at {BENCHMARK}")
        return
    full, fast = real_page_cpu()
    print(
        f"unchanged real page, CPU per read: full extraction {full * 1000:6.2f} ms, "
        f"fast path {fast * 1000:6.2f} ms = {full / fast:4.1f}x less"
    )
    modes = {
        "full extraction      ": {"fast": False},
        "fast path, no net    ": {"nets": False},
        "fast path, safety net": {},
    }
    runs = {
        label: continuous_run(
            seconds,
            work,
            hosts=5,
            per_host=20,
            delay=0.0,
            mode="real",
            name=f"real-{n}",
            **mode,
            **UNBOUND,
        )
        for n, (label, mode) in enumerate(modes.items())
    }
    for label, run in runs.items():
        paths = ", ".join(f"{k} {v}" for k, v in sorted(run.paths.items()))
        print(
            f"unchanged real pages, {label}: CPU per check {run.cpu * 1000:6.2f} ms "
            f"(the crawl process's own {run.own * 1000:5.2f} ms); "
            f"sustained {run.rate:6.1f} checks/s ({run.checks} checks: {paths})"
        )
    full, fast, netted = runs.values()
    print(
        f"  fast path: {full.cpu / fast.cpu:4.1f}x less CPU per check without its net, "
        f"{full.cpu / netted.cpu:4.1f}x with it; {netted.rate / full.rate:4.1f}x the checks/s"
    )


def cpu_seconds(besides: int | None = None) -> float:
    """CPU time of this process and of its live children (the extraction workers), but
    not the child `besides` (the loopback sites: serving is not newsmon's work)."""
    total = time.process_time()
    tick = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me and int(entry) != besides:
                total += (int(fields[11]) + int(fields[12])) / tick
    return total


def cpu_per_check(workdir: Path, seconds: float) -> dict[str, Run]:
    """Per kind of check, the continuous crawl over 2,000 articles on 20 hosts with no
    latency and politeness off: CPU seconds per check of this process and its extraction
    workers (the sites run in their own process), and the checks/s sustained."""
    kinds = {"changed page": "churn+edit", "unchanged bytes": "stable", "304": "etag"}
    return {
        name: continuous_run(
            seconds, workdir, hosts=20, per_host=100, delay=0.0, mode=mode, name=mode, **UNBOUND
        )
        for name, mode in kinds.items()
    }


def many_hosts(seconds: float, work: Path) -> None:
    """One source over all hosts against one source per host: the per-host window."""
    split = continuous_run(seconds, work, name="split")
    one = continuous_run(seconds, work, name="one", one_source=True)
    for label, run in ((f"{HOSTS} sources", split), ("one source", one)):
        print(
            f"newsmon run, {HOSTS * PER_HOST} articles over {HOSTS} hosts as {label:11s}: "
            f"{run.rate:7.1f} checks/s ({run.checks} checks); first {FIRST:.0f} s "
            f"{run.first:6.1f} checks/s = {run.first / run.rate:4.2f}x steady"
        )
    print(f"  one source / {HOSTS} sources = {one.rate / split.rate:4.2f}")


def main() -> None:
    from bench.loopback_sites import shared_data

    shared_data()  # $NEWSMON_SHARED_DATA, as bench/keepup.py reads it (a worktree elsewhere)
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    seconds = float(args[0]) if args else 60.0
    if args[1:] == ["hosts"]:
        with tempfile.TemporaryDirectory() as tmp:
            many_hosts(seconds, Path(tmp))
        return
    if "--fast-only" in sys.argv:
        with tempfile.TemporaryDirectory() as tmp:
            fast_path_run(seconds, Path(tmp))
        return
    from newsmon.config.settings import Config

    workers = config_for(Path("x")).workers() if Config else 2
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sample = Sites(3, 20)
        baseline = sequential_baseline(sample)
        ceiling, _ = extraction_ceiling(sample, workers)
        sample.stop()
        print(f"sequential fetch-then-extract baseline: {baseline:7.1f} checks/s")
        print(f"extraction only, {workers} processes:      {ceiling:7.1f} pages/s")
        run = continuous_run(seconds, work)
        print(
            f"newsmon run, {HOSTS * PER_HOST} articles over {HOSTS} hosts, "
            f"{LATENCY * 1000:.0f} ms, default politeness: {run.rate:7.1f} checks/s "
            f"over {seconds:.0f} s ({run.checks} checks)"
        )
        print(f"  = {run.rate / baseline:5.1f}x the sequential baseline")
        print(f"  = {100 * run.rate / ceiling:5.1f}% of the extraction-only ceiling")
        run = continuous_run(seconds / 2, work, delay=0.0, name="unbound", **UNBOUND)
        print(
            f"newsmon run, same sites, no latency, politeness off (the crawl's own work "
            f"bound): {run.rate:7.1f} checks/s = {100 * run.rate / ceiling:5.1f}% of the "
            f"extraction-only ceiling"
        )
        real_pages_run(seconds, work, workers)
        many_hosts(seconds / 2, work)
        fast_path_run(seconds / 2, work)
        for name, run in cpu_per_check(work, seconds / 2).items():
            print(
                f"{name:16s} CPU per check {run.cpu * 1000:6.2f} ms "
                f"({1 / run.cpu:5.0f} checks/s/core); sustained {run.rate:6.1f} checks/s"
            )
        from newsmon.crawl.workers import shutdown_pools

        shutdown_pools()
    from bench.warmstart import warm_start

    warm_start(seconds / 2)


if __name__ == "__main__":
    main()

"""Keep-up benchmark: how many new articles a day one node keeps up with, and how late.

Run on demand: `python bench/keepup.py [--seconds S] [--warmup W] [--rates R,R,...]
[--fleet R] [--hosts N] [--light] [--stale-anchors]`. For each R (new articles a day), a
fresh database holds the articles a steady intake of R a day leaves behind: R x 40 articles of ages
spread evenly over 40 days, each with its first version (the text the page extracts to),
its `next_check_at` where the recheck table (newsmon.record.policy) puts it and, for those
due in the run, the story anchor its earlier checks left (bench/keepup_anchors.py: where
the story was and how many fast checks since the safety net), plus the articles that
arrive during the run (due at once when they arrive). With `--light`, the articles not
due before the run is over keep a short first version (R = 50,000 in about 3 GB instead
of 40): the claims still pass over every row of the articles table, and every check of
the run still compares a real page with its real stored text. They are served by the
loopback sites (bench/loopback_sites.py, `real` mode: the extraction benchmark's real
pages from ../shared/data, each request's bytes different), over HOSTS hosts with 100 ms
latency, and `CrawlService.run_continuously` checks them at default politeness in a
fresh process for W + S seconds. Printed per R, over the last S seconds:

- checks/s demanded (R x the checks one article gets in 40 days, a day) and achieved;
- the schedule lag, a check's time minus the time it was due, p50, p95 and max; a check
  due in the window but not done by its end counts with its lag so far, so falling
  behind cannot hide;
- the service process's RSS at the window's start and end and its peak (VmHWM).

Then the largest R whose p95 lag stays under 5 minutes, and the same figures for a
fleet of two processes on a throwaway PostgreSQL cluster (tests/pgcluster.py) at the
`--fleet` R (default: the largest R given). Feeds are not polled (the sources have none):
the intake is the arriving articles, so a feed listing thousands of stories does not
load the run.

The crawl's clock runs behind the real one by the time the build took (minutes at
R = 50,000), so the crawl starts at the moment the database was built as of, not with
the build's minutes of checks overdue. When a check ran is `checks.at`; when it was due
is reconstructed: the first check of an
article in the run was due at the `next_check_at` written here, each later one where the
policy put it after the check before (`next_check(quiet_since, at)`, the record's own
rule), a changed version moving `quiet_since`.
"""

from __future__ import annotations

import argparse
import bisect
import math
import multiprocessing
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.throughput import LATENCY, Sites, config_for, cpu_seconds

FREEZE_DAYS = 40
LAG_GOAL = timedelta(minutes=5)
# With --light, articles due later than the run's end plus this keep a short first version.
LIGHT_MARGIN = timedelta(minutes=30)


@dataclass(frozen=True)
class Planned:
    """Where the steady intake leaves one article: due at `due`, quiet since `quiet`."""

    due: datetime
    quiet: datetime


def schedule_offsets() -> list[timedelta]:
    """When an article that never changes is checked, counted from its first sighting:
    the first fetch at 0, then each check where the policy puts it after the last."""
    from newsmon.record.policy import RecheckPolicy

    policy, start = RecheckPolicy(), datetime(2026, 1, 1, tzinfo=UTC)
    offsets, at = [timedelta(0)], start
    while (at := policy.next_check(quiet_since=start, now=at)) is not None:  # type: ignore[assignment]
        if at - start >= policy.freeze_after:
            break
        offsets.append(at - start)
    return offsets


def real_digests(sites: Sites) -> list[tuple[str, str, str]]:
    """(title, text, hash) of each real page as a version stores it, in serving order."""
    from bench.loopback_sites import real_pages
    from newsmon.core.fingerprint import content_hash, normalize_text, normalize_title
    from newsmon.extract.page import extract

    url = sites.article_urls()[0]
    stored = []
    for original, page in real_pages():
        extracted = extract(page.replace(original, url), url)
        title, text = normalize_title(extracted.title), normalize_text(extracted.text)
        stored.append((title, text, content_hash(title, text)))
    return stored


def build(
    url: str,
    sites: Sites,
    rate: int,
    run_for: timedelta,
    now: datetime,
    *,
    light: bool = False,
    stale: bool = False,
) -> dict[int, Planned]:
    """The database a steady intake of `rate` articles a day leaves, as of `now`; returns
    each article's plan (bulk inserts with SQLAlchemy Core, a chunk at a time).

    With `light`, an article not due before the run is over (with LIGHT_MARGIN to spare)
    keeps a short first version: its page's headline and first line, and their search
    terms. Such an article is never checked in the run, so its text is never read; it
    counts where the lag is made, as a row the claims pass over in the articles table and
    its indexes, which are the same. The articles the run checks keep the real page's
    text, so each check compares and records what it would in service.
    """
    from sqlalchemy import insert, select

    from bench.keepup_anchors import anchor_json, story_paths
    from bench.loopback_sites import real_pages
    from newsmon.core import searchterms
    from newsmon.core.fingerprint import content_hash
    from newsmon.extract.page import extractor_version
    from newsmon.sources.registry import SourceSpec, add_source
    from newsmon.storage.db import ensure_schema, transaction
    from newsmon.storage.models import Article, ArticleUrl, Source, Version

    engine = ensure_schema(url)
    with transaction(engine) as session:
        for slug, _ in sites.feeds:
            add_source(session, spec=SourceSpec(slug=slug, name=slug, feeds=()), now=now)
        rows = session.execute(select(Source.slug, Source.id))
        source_ids = {slug: source_id for slug, source_id in rows}
    stored, offsets = real_digests(sites), schedule_offsets()
    # The search terms of each distinct page, once: computed per inserted row (the column's
    # default), they were four fifths of the time to build R = 1,000.
    real = [(*page, searchterms.indexed_version(page[0], page[1])) for page in stored]
    short = []
    for title, text, _ in stored:
        line = text.split("\n", 1)[0][:200]
        short.append(
            (title, line, content_hash(title, line), searchterms.indexed_version(title, line))
        )
    real_until = now + run_for + LIGHT_MARGIN
    pages = real_pages()
    paths = story_paths(pages, sites.article_urls()[0])
    extractor, urls = extractor_version(), sites.article_urls()
    day, plan = timedelta(days=1), {}
    arriving = math.ceil(rate * run_for / day)
    chunk: dict[type, list[dict]] = {Article: [], ArticleUrl: [], Version: []}

    def flush(conn) -> None:
        for table, pending in chunk.items():
            if pending:
                conn.execute(insert(table), pending)
                pending.clear()

    # The intake is the outlets' together, each publishing all day at its own pace: the
    # host of each next article is drawn at random (seeded), so every host holds articles
    # of every age. Blocks of consecutive ages per host put a sixth of the checks
    # demanded on the newest host, and a round robin lines the checks due at any moment
    # up on a few hosts (R x a day's offset is a multiple of the hosts): both held the
    # crawl to a few hosts' politeness ceilings (1.6 checks a second each, as Scrapy
    # spaces them: bench/throughput.py's polite_interval).
    outlets = [h for h in range(len(sites.feeds)) for _ in range(sites.per_host)]
    random.Random(0).shuffle(outlets)
    taken = [0] * len(sites.feeds)
    with engine.begin() as conn:
        for article_id, k in enumerate(range(-arriving, FREEZE_DAYS * rate), start=1):
            age = day * (k + 0.5) / rate
            h = outlets[article_id - 1]
            i, taken[h] = taken[h], taken[h] + 1
            served_at = urls[h * sites.per_host + i]
            first_seen = now - age
            row = {
                "id": article_id,
                "source_id": source_ids[sites.feeds[h][0]],
                "url": served_at,
                "host": served_at.split("/")[2].split(":")[0],
                "first_seen_at": first_seen,
                "quiet_since": first_seen,
                "status": "active",
                "version_count": 0,
                "next_check_at": first_seen,
                # Every row names every column: an executemany takes its columns from
                # the first row of the chunk and would drop the others' extra values.
                "title": None,
                "last_checked_at": None,
                "last_status": None,
                "story_anchor": None,
            }
            if age > timedelta(0):  # seen already: its first version, its next check to come
                done = bisect.bisect_right(offsets, age)
                due = first_seen + offsets[done] if done < len(offsets) else None
                page = (h * sites.per_host + i) % len(stored)
                kept = light and (due is None or due > real_until)
                title, text, digest, terms = (short if kept else real)[page]
                if due is not None and due <= now + run_for and paths[page] is not None:
                    row["story_anchor"] = anchor_json(
                        pages[page],
                        paths[page],
                        row["url"],
                        digest=digest,
                        extractor=extractor,
                        first_seen=first_seen,
                        checked=offsets[:done],
                        stale=stale,
                    )
                row.update(
                    title=title,
                    version_count=1,
                    last_checked_at=first_seen + offsets[done - 1],
                    last_status=200,
                    next_check_at=due,
                )
                chunk[Version].append(
                    {
                        "article_id": article_id,
                        "number": 0,
                        "captured_at": first_seen,
                        "content_hash": digest,
                        "title": title,
                        "text": text,
                        "extractor": extractor,
                        "search_terms": terms,
                    }
                )
            chunk[Article].append(row)
            chunk[ArticleUrl].append({"url": row["url"], "article_id": article_id})
            if row["next_check_at"] is not None:
                plan[article_id] = Planned(row["next_check_at"], first_seen)
            if len(chunk[Article]) >= 5000:
                flush(conn)
        flush(conn)
    return plan


@dataclass(frozen=True)
class Served:
    """What one crawl process reports: when it crawled, and its memory."""

    started: datetime
    ended: datetime
    rss_at_window: int  # kB, the first sample after the warm-up
    rss_at_end: int
    hwm: int  # kB, VmHWM: the process's peak
    cpu: float  # CPU seconds over the window: the process and its extraction workers
    paths: dict[str, int]  # checks by how the page was read, over the whole run


def memory() -> tuple[int, int]:
    """This process's VmRSS and VmHWM, in kB."""
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value.split()[0] if value.split() else "0"
    return int(fields["VmRSS"]), int(fields["VmHWM"])


@dataclass(frozen=True)
class BehindClock:
    """The real clock, `behind` seconds back: the crawl starts at the moment the database
    was built as of, however long the build took (at R = 50,000, minutes, which would
    otherwise start the crawl with minutes of checks overdue)."""

    behind: float

    def now(self) -> datetime:
        return datetime.now(UTC) - timedelta(seconds=self.behind)


def serve(url: str, warmup: float, seconds: float, behind: float = 0.0) -> Served:
    """`CrawlService.run_continuously` for `warmup + seconds`, in this (fresh) process, on
    a clock `behind` seconds back."""
    import asyncio

    from newsmon.crawl.metrics import process_metrics
    from newsmon.crawl.reactor import process_reactor
    from newsmon.crawl.service import CrawlService
    from newsmon.crawl.workers import shutdown_pools

    config = config_for(Path("unused.db"), database_url=url)
    reactor = process_reactor()
    clock = BehindClock(behind)
    service = CrawlService(config, clock)
    samples: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(1.0):
            samples.append(memory()[0])

    sampler = threading.Thread(target=sample, daemon=True)
    started = clock.now()
    crawl = asyncio.run_coroutine_threadsafe(service.run_continuously(), reactor.loop)
    sampler.start()
    try:
        time.sleep(warmup)
        at_window, cpu = memory()[0], cpu_seconds()
        time.sleep(seconds)
        ended = clock.now()
        rss, hwm = memory()
        cpu = cpu_seconds() - cpu
    finally:
        stop.set()
        reactor.run(service.stop)
        crawl.result(120)
        shutdown_pools()
    registry = process_metrics().registry
    paths = {
        sample.labels["path"]: int(sample.value)
        for metric in registry.collect()
        for sample in metric.samples
        if metric.name == "newsmon_checks_by_path" and sample.name.endswith("_total")
    }
    return Served(started, ended, at_window, rss, hwm, cpu, paths)


def in_processes(
    url: str, warmup: float, seconds: float, count: int, behind: float = 0.0
) -> list[Served]:
    """`count` crawl processes against one database, each fresh (spawned)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(count, mp_context=context) as pool:
        futures = [pool.submit(serve, url, warmup, seconds, behind) for _ in range(count)]
        return [f.result() for f in futures]


def lags(
    url: str, plan: dict[int, Planned], start: datetime, end: datetime, done: list[datetime]
) -> Iterator[float]:
    """Seconds late of every check due in [start, end]: done (its `at`) or not (`end`);
    `done` gets the time of every check run in the window (counted here, in Python: a
    datetime bound in SQL is read in the session's time zone on PostgreSQL)."""
    from sqlalchemy import select

    from newsmon.core.outcomes import CheckOutcome
    from newsmon.record.policy import RecheckPolicy
    from newsmon.storage.db import shared_engine
    from newsmon.storage.models import Check

    policy, changed = RecheckPolicy(), CheckOutcome.CHANGED.stored
    due = {article_id: p.due for article_id, p in plan.items()}
    quiet = {article_id: p.quiet for article_id, p in plan.items()}
    query = select(Check.article_id, Check.at, Check.outcome).order_by(Check.article_id, Check.at)
    with shared_engine(url).connect() as conn:
        for article_id, at, outcome in conn.execute(query):
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
            if start <= at <= end:
                done.append(at)
            when = due.get(article_id)
            if when is not None and start <= when <= end:
                yield (at - when).total_seconds()
            if outcome == changed:
                quiet[article_id] = at
            due[article_id] = policy.next_check(quiet_since=quiet[article_id], now=at)
    for when in due.values():
        if when is not None and start <= when <= end:
            yield (end - when).total_seconds()


@dataclass(frozen=True)
class Result:
    rate: int
    demanded: float
    achieved: float
    p50: float
    p95: float
    worst: float
    due: int  # checks due in the window (done or not)
    changed: int  # checks in the run that stored a version (arrivals' first ones)
    backlog: int  # checks already due when the crawl started (its clock runs behind by the
    # build's time, so these are the seconds the processes took to start)
    window: float  # seconds measured
    memory: list[Served]


def measure(
    url: str,
    sites: Sites,
    rate: int,
    warmup: float,
    seconds: float,
    processes: int = 1,
    *,
    light: bool = False,
    stale: bool = False,
) -> Result:
    from sqlalchemy import func, select

    from newsmon.storage.db import shared_engine
    from newsmon.storage.models import Check

    as_of = datetime.now(UTC)
    run_for = timedelta(seconds=warmup + seconds + 60)
    plan = build(url, sites, rate, run_for, now=as_of, light=light, stale=stale)
    behind = (datetime.now(UTC) - as_of).total_seconds()  # the build's own time
    print(f"  R={rate}: built {len(plan)} articles in {behind:.0f} s", flush=True)
    served = in_processes(url, warmup, seconds, processes, behind)
    start = max(s.started for s in served) + timedelta(seconds=warmup)
    end = min(s.ended for s in served)
    ran: list[datetime] = []
    late = sorted(lags(url, plan, start, end, ran)) or [0.0]
    with shared_engine(url).connect() as conn:
        query = select(func.count()).select_from(Check).where(Check.outcome == "changed")
        changed = conn.execute(query).scalar_one()
    crawl_start = min(s.started for s in served)
    backlog = sum(p.due < crawl_start for p in plan.values())
    window = (end - start).total_seconds()
    done = len(ran)
    p95 = statistics.quantiles(late, n=20, method="inclusive")[-1] if len(late) > 1 else late[0]
    return Result(
        rate=rate,
        demanded=rate * len(schedule_offsets()) / 86400,
        achieved=done / window,
        p50=statistics.median(late),
        p95=p95,
        worst=late[-1],
        due=len(late),
        changed=changed,
        backlog=backlog,
        window=window,
        memory=served,
    )


def keeps_up(result: Result, share: float = 0.95) -> bool:
    """Whether the crawl did the checks demanded (within `share`), not only late ones."""
    return result.achieved >= share * result.demanded


def report(label: str, result: Result) -> None:
    print(
        f"{label} R={result.rate:6d}/day ({result.rate * FREEZE_DAYS} articles): "
        f"demanded {result.demanded:6.2f} checks/s, achieved {result.achieved:6.2f}; "
        f"lag p50 {result.p50:6.1f} s, p95 {result.p95:6.1f} s, max {result.worst:6.1f} s"
        + ("" if keeps_up(result) else " (falling behind: the lag grows with the run)")
    )
    cpu = sum(served.cpu for served in result.memory)
    checks = max(result.achieved * result.window, 1)
    print(
        f"  CPU per check over the window {1000 * cpu / checks:.2f} ms (the crawl "
        "processes and their extraction workers; the sites' process not)"
    )
    print(
        f"  {result.due} checks due in the {result.window:.0f} s window; "
        f"{result.backlog} already due when the crawl started; "
        f"{result.changed} checks in the run stored a version"
    )
    for n, served in enumerate(result.memory, 1):
        print(
            f"  process {n} RSS {served.rss_at_window / 1024:6.1f} MB at the window's start, "
            f"{served.rss_at_end / 1024:6.1f} MB at its end, peak {served.hwm / 1024:6.1f} MB; "
            f"checks by path over the run: {served.paths}"
        )


def main() -> None:
    from bench.loopback_sites import shared_data

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="measured, per R")
    parser.add_argument("--warmup", type=float, default=30.0, help="before measuring")
    parser.add_argument("--rates", default="1000,4000,16000", help="new articles a day")
    parser.add_argument(
        "--fleet", type=int, default=None, help="R for the PostgreSQL fleet (0: none)"
    )
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument(
        "--light",
        action="store_true",
        help="short first versions for the articles the run never checks (R = 50,000 in "
        "a few GB instead of about 40 per database)",
    )
    parser.add_argument(
        "--stale-anchors",
        action="store_true",
        help="every story anchor of an older fingerprint scheme, as just after an upgrade "
        "that changed it: each article's next check is a full extraction",
    )
    args = parser.parse_args()
    if not (benchmark := shared_data()).exists():
        print(
            f"keep-up benchmark: skipped, shared data not found at {benchmark} "
            "(set NEWSMON_SHARED_DATA to the folder holding article-extraction-benchmark)"
        )
        return
    rates = sorted(int(r) for r in args.rates.split(","))
    run_for = timedelta(seconds=args.warmup + args.seconds + 60)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for rate in rates:
            articles = FREEZE_DAYS * rate + math.ceil(rate * run_for / timedelta(days=1))
            sites = Sites(args.hosts, math.ceil(articles / args.hosts), delay=LATENCY, mode="real")
            try:
                url = f"sqlite:///{Path(tmp) / f'keepup-{rate}.db'}"
                results.append(
                    measure(
                        url,
                        sites,
                        rate,
                        args.warmup,
                        args.seconds,
                        light=args.light,
                        stale=args.stale_anchors,
                    )
                )
            finally:
                sites.stop()
            report("one process, SQLite", results[-1])
        # A check never done counts with its lag so far, at most the window's length: a
        # crawl falling behind can still show a p95 under 5 minutes in a 5-minute window.
        kept = [r.rate for r in results if r.p95 < LAG_GOAL.total_seconds() and keeps_up(r)]
        print(
            "largest R with p95 lag under 5 minutes and the demanded rate achieved: "
            f"{max(kept) if kept else 'none tried'}"
        )
        if args.fleet != 0:  # `--fleet 0`: no fleet run
            fleet(args.fleet or rates[-1], args)


def fleet(rate: int, args: argparse.Namespace) -> None:
    """Two crawl processes on one throwaway PostgreSQL cluster."""
    from tests.pgcluster import pg_bindir, start_cluster

    if pg_bindir() is None:
        print("fleet on PostgreSQL: skipped, no PostgreSQL binaries found")
        return
    # A folder of its own under /tmp: the cluster runs as another user, who must reach it.
    home = Path(tempfile.mkdtemp(prefix="keepup-pg-"))
    cluster = start_cluster(home)
    run_for = timedelta(seconds=args.warmup + args.seconds + 60)
    articles = FREEZE_DAYS * rate + math.ceil(rate * run_for / timedelta(days=1))
    sites = Sites(args.hosts, math.ceil(articles / args.hosts), delay=LATENCY, mode="real")
    try:
        result = measure(
            cluster.create_database(),
            sites,
            rate,
            args.warmup,
            args.seconds,
            processes=2,
            light=args.light,
            stale=args.stale_anchors,
        )
        report("two processes, PostgreSQL", result)
    finally:
        sites.stop()
        cluster.stop()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()

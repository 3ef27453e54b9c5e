"""Extraction bounds: pathological pages cost at most the time budget, beside a normal page.

Run on demand: `python bench/extraction_bounds.py [--timeout SECONDS]` (default: the
`extract_timeout` setting). Each page goes through the real worker pool
(`newsmon.crawl.workers.extract_off_loop`) with one worker, in this one process, so
the ratios to the normal page survive a busy machine. Printed per page: wall time,
its ratio to the normal page, and the outcome (lines of text, or the limit it hit).
Without the budget the quadratic pages run for tens of seconds to many minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _pages() -> list[tuple[str, str, object]]:
    """(name, html, rules) for the normal page and each pathological one."""
    from newsmon.extract.rules import ExtractRules
    from tests.newssite import NewsSite, story

    site = NewsSite()
    normal = site.render_article(site.publish(story("normal-page", n=8)), base="http://x.test")
    deep = "<div>" * 300 + "<p>The paragraph inside 300 divs.</p>" + "</div>" * 300
    nested_has = "div:has(" * 30 + "p" + ")" * 30
    wrap = (
        "<html><head><title>t</title></head><body><article><h1>Headline</h1>{}"
        "</article></body></html>"
    )
    return [
        ("normal news page", normal, None),
        ("text inside 300 divs", wrap.format(deep), None),
        ("20k <p>x</p>", wrap.format("<p>x</p>" * 20_000), None),
        ("80k <p>x</p>", wrap.format("<p>x</p>" * 80_000), None),
        ("7 MB of word<br>", wrap.format("word<br>" * 900_000), None),
        ("5,000 unclosed <h1><div> nested", wrap.format("<h1>Breaking<div>" * 5_000), None),
        ("rule of 30 nested div:has( on a deep page", wrap.format(deep),
         ExtractRules(body_selector=nested_has)),
    ]  # fmt: skip


async def _time(page: str, rules: object, budget: object) -> tuple[float, str]:
    from newsmon.crawl.workers import ExtractionLimit, extract_off_loop

    started = time.perf_counter()
    try:
        got = await extract_off_loop(
            page.encode(), None, budget=budget, encoding="utf-8", rules=rules
        )
        outcome = f"{len(got.text.splitlines())} lines of text"
    except ExtractionLimit as exc:
        outcome = str(exc)
    return time.perf_counter() - started, outcome


async def main(timeout: float, memory_mb: int) -> None:
    from newsmon.crawl.workers import Budget

    budget = Budget(workers=1, seconds=timeout, memory_mb=memory_mb)
    pages = _pages()
    await _time(pages[0][1], None, budget)  # start the worker
    normal = statistics.median([(await _time(pages[0][1], None, budget))[0] for _ in range(9)])
    print(f"budget {timeout:g} s, {memory_mb} MB; normal page {normal * 1000:.1f} ms (median of 9)")
    for name, page, rules in pages:
        seconds, outcome = await _time(page, rules, budget)
        print(f"{name:44} {seconds:8.2f} s {seconds / normal:9.0f}x normal  {outcome}")


if __name__ == "__main__":
    from newsmon.config.settings import Config
    from newsmon.crawl.workers import shutdown_pools

    defaults = Config()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=defaults.extract_timeout)
    parser.add_argument("--memory-mb", type=int, default=defaults.extract_memory_mb)
    args = parser.parse_args()
    try:
        asyncio.run(main(args.timeout, args.memory_mb))
    finally:
        shutdown_pools()

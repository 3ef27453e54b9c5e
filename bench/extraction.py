"""Extraction benchmark: newsmon vs plain trafilatura on the public article benchmark.

Run on demand: `python bench/extraction.py`. Prints F1 (the benchmark's 4-token
shingle metric), precision, recall and ms/page for both, and the ratios, all
measured in this one process.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    import trafilatura

    from newsmon.extract import extract
    from newsmon.quality import aggregate, score_page
    from tests.data import BENCHMARK

    if not BENCHMARK.exists():
        print(f"benchmark data not found at {BENCHMARK}; nothing measured")
        return 1
    from tests.data import benchmark_pages

    pages = benchmark_pages()
    runs = {
        "plain trafilatura": lambda html, url: (
            trafilatura.extract(html, include_comments=False) or ""
        ),
        "newsmon": lambda html, url: extract(html, url).text,
    }
    results = {}
    for name, fn in runs.items():
        fn(pages[0][2], pages[0][1])  # warm up imports and caches
        started = time.perf_counter()
        outputs = [fn(html, url) for _, url, html, _ in pages]
        ms = (time.perf_counter() - started) * 1000 / len(pages)
        scores = aggregate(
            score_page(gold, out) for (_, _, _, gold), out in zip(pages, outputs, strict=True)
        )
        results[name] = (scores, ms)
        print(
            f"{name:<18} F1 {scores.f1:.4f}  P {scores.precision:.4f}  R {scores.recall:.4f}"
            f"  {ms:6.1f} ms/page  ({scores.pages} pages)"
        )
    (base, base_ms), (ours, ours_ms) = results["plain trafilatura"], results["newsmon"]
    print(f"ratio newsmon/plain: F1 {ours.f1 / base.f1:.4f}, time {ours_ms / base_ms:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

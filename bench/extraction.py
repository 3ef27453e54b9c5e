"""Extraction benchmark: newsmon vs plain trafilatura, tuned on one half, judged on the other.

Run on demand: `python bench/extraction.py`. The benchmark's pages are split in two
fixed halves (a stable hash of each page's id). Every choice newsmon makes
(`ExtractOptions`) is picked on one half and scored on the other, in both
directions, beside plain trafilatura (`trafilatura.extract(html,
include_comments=False)`) on the same half. Time per page is measured for both
on the benchmark's pages and on the local test site's pages, interleaved page by
page in this one process, so the ratio survives a busy machine. Title and date
accuracy are printed where the gold data has them (the test site's pages; the
benchmark's gold holds only the article body).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROUNDS = 3  # each page timed this many times per extractor; the fastest counts (CPU time)


def _plain(html: str, url: str | None) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


def _f1(pages: list[tuple], outputs: list[str]) -> float:
    from bench.quality import aggregate, score_page

    return aggregate(score_page(p[3], o) for p, o in zip(pages, outputs, strict=True)).f1


def _variants() -> dict[str, object]:
    """newsmon's defaults, each choice turned off alone, and all of them off."""
    from dataclasses import fields, replace

    from newsmon.extract.page import DEFAULT_OPTIONS, ExtractOptions

    names = [f.name for f in fields(ExtractOptions)]
    variants: dict[str, object] = {"defaults": DEFAULT_OPTIONS}
    for name in names:
        variants[f"without {name}"] = replace(DEFAULT_OPTIONS, **{name: False})
    variants["all off"] = ExtractOptions(**dict.fromkeys(names, False))
    return variants


def held_out(pages: list[tuple]) -> None:
    """Pick the best option set on one half by F1, report it on the other half."""
    from bench.quality import half_of
    from newsmon.extract.page import extract

    halves = [[p for p in pages if half_of(p[0]) == h] for h in (0, 1)]
    variants = _variants()
    f1 = {
        (name, h): _f1(halves[h], [extract(p[2], p[1], options=opts).text for p in halves[h]])
        for name, opts in variants.items()
        for h in (0, 1)
    }
    plain = {h: _f1(halves[h], [_plain(p[2], p[1]) for p in halves[h]]) for h in (0, 1)}
    for name in variants:
        print(f"  {name:<30} F1 half0 {f1[name, 0]:.4f}  half1 {f1[name, 1]:.4f}")
    print(f"  {'plain trafilatura':<30} F1 half0 {plain[0]:.4f}  half1 {plain[1]:.4f}")
    for tune, judge in ((0, 1), (1, 0)):
        best = max(variants, key=lambda n: f1[n, tune])
        gain = f1[best, judge] - plain[judge]
        print(
            f"tuned on half{tune} ({len(halves[tune])} pages) -> {best}; held-out half{judge}"
            f" ({len(halves[judge])} pages): newsmon F1 {f1[best, judge]:.4f},"
            f" plain {plain[judge]:.4f}, gain {gain:+.4f}"
        )


def timed(pages: list[tuple[str, str | None]], runs: dict[str, Callable]) -> dict[str, float]:
    """ms/page of each run, interleaved page by page; the fastest of ROUNDS per page counts.

    Each run gets the page as the caller gives it: plain trafilatura a string, newsmon
    the bytes and encoding the crawler hands it.
    """
    best = {name: [float("inf")] * len(pages) for name in runs}
    inputs = [(html, html.encode("utf-8"), url) for html, url in pages]
    for _ in range(ROUNDS):
        for i, page in enumerate(inputs):
            for name, fn in runs.items():
                started = time.process_time()
                fn(page)
                best[name][i] = min(best[name][i], time.process_time() - started)
    return {name: sum(times) * 1000 / len(pages) for name, times in best.items()}


def test_site_pages(count: int = 40) -> list[tuple[str, str, datetime]]:
    """(html, title, published) rendered by the test site, with stories of varied length."""
    from tests.newssite import NewsSite, story

    site = NewsSite()
    stories = [
        site.publish(
            story(
                f"story-{i}",
                n=3 + i % 12,
                published=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=7 * i),
            )
        )
        for i in range(count)
    ]
    base = "http://gazette.test"  # rendered, never served: no server to ask for its address
    return [(site.render_article(s, base), s.title, s.published) for s in stories]


def accuracy(rendered: list[tuple[str, str, datetime]]) -> None:
    import trafilatura

    from newsmon.extract.page import extract

    ours = [extract(html) for html, _, _ in rendered]
    theirs = [trafilatura.bare_extraction(html, with_metadata=True) for html, _, _ in rendered]
    n = len(rendered)
    title_ok = sum(e.title == t for e, (_, t, _) in zip(ours, rendered, strict=True))
    date_ok = sum(e.published_at == d for e, (_, _, d) in zip(ours, rendered, strict=True))
    plain_title = sum(d.title == t for d, (_, t, _) in zip(theirs, rendered, strict=True))
    plain_date = sum(
        d.date == p.date().isoformat() for d, (_, _, p) in zip(theirs, rendered, strict=True)
    )
    print(
        f"test site ({n} pages): title accuracy newsmon {title_ok / n:.2f}, plain trafilatura"
        f" metadata {plain_title / n:.2f}; date accuracy newsmon {date_ok / n:.2f} (exact"
        f" instant), plain trafilatura {plain_date / n:.2f} (day only)"
    )


def main() -> int:
    from newsmon.extract.page import extract
    from tests.data import BENCHMARK

    if not BENCHMARK.exists():
        print(f"benchmark data not found at {BENCHMARK}; nothing measured")
        return 1
    from tests.data import benchmark_pages

    pages = benchmark_pages()
    runs = {
        "plain trafilatura": lambda page: _plain(page[0], page[2]),
        "newsmon": lambda page: extract(page[1], page[2], encoding="utf-8").text,
    }
    for fn in runs.values():
        fn((pages[0][2], pages[0][2].encode(), pages[0][1]))  # warm up imports and caches
    print("F1 by option set and half (benchmark gold: article bodies only, no titles or dates)")
    held_out(pages)
    whole = {
        name: _f1(pages, [fn((p[2], p[2].encode(), p[1])) for p in pages])
        for name, fn in runs.items()
    }
    print(
        f"all {len(pages)} pages: newsmon F1 {whole['newsmon']:.4f},"
        f" plain {whole['plain trafilatura']:.4f}"
    )
    rendered = test_site_pages()
    for label, sample in (
        ("benchmark", [(p[2], p[1]) for p in pages]),
        ("test site", [(html, None) for html, _, _ in rendered]),
    ):
        ms = timed(sample, runs)
        base, ours = ms["plain trafilatura"], ms["newsmon"]
        print(
            f"{label:<10} ms/page: plain {base:6.2f}  newsmon {ours:6.2f}"
            f"  ratio {ours / base:.2f}x  ({len(sample)} pages, best of {ROUNDS})"
        )
    accuracy(rendered)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

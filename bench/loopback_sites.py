"""Loopback news sites in their own process, so a benchmark measures newsmon's CPU alone.

`python bench/loopback_sites.py HOSTS PER_HOST DELAY MODE` serves HOSTS sites on
127.0.0.1, 127.0.0.2, ..., each with PER_HOST articles answering after DELAY
seconds, prints one line per site (`slug feed-url`), then serves until its
standard input closes. MODE: `churn` (boilerplate changes on every request; with
`+edit` the story too), `stable` (the same bytes every time), `etag` (stable
pages that answer conditional requests with 304), `real` (the extraction benchmark's
real news pages from ../shared/data, in turn, each request's bytes different).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def shared_data() -> Path:
    """The extraction benchmark's folder: beside the project (tests/data.py), or under
    $NEWSMON_SHARED_DATA (a git worktree lives elsewhere); the tests' helpers follow."""
    import os

    from tests import data

    if folder := os.environ.get("NEWSMON_SHARED_DATA"):
        data.DATA = Path(folder)
        data.BENCHMARK = data.DATA / "article-extraction-benchmark"
    return data.BENCHMARK


def real_pages() -> list[tuple[str, str]]:
    """The benchmark's pages, (original URL, HTML); the caller checks the data is there."""
    from tests.data import benchmark_pages

    shared_data()
    return [(url, html) for _, url, html, _ in benchmark_pages()]


def _real_render(page: str, original: str, url: str) -> Callable[[int], str]:
    """A real page named by its URL here, built per request: a copy per article would
    hold gigabytes once bench/keepup.py serves tens of thousands of articles."""

    def render(request: int) -> str:
        return f"{page.replace(original, url)}\n<!-- request {request} -->"

    return render


def main() -> None:
    from tests import newssite
    from tests.newssite import story

    hosts, per_host, delay, mode = (
        int(sys.argv[1]),
        int(sys.argv[2]),
        float(sys.argv[3]),
        sys.argv[4],
    )
    real = real_pages() if mode == "real" else []
    sites = []
    for h in range(hosts):
        site = newssite.start(newssite.NewsSite(), address=f"127.0.0.{h + 1}")
        site.article_delay = delay
        site.stable = mode in ("stable", "etag")
        site.churn = mode == "churn+edit"
        for i in range(per_host):
            slug, render = f"h{h}-story-{i:02d}", None
            if real:  # served as its own site serves it: its canonical names this page
                original, page = real[(h * per_host + i) % len(real)]
                render = _real_render(page, original, site.url(f"/news/{slug}"))
            # A real page replaces the story's paragraphs: one, not eight, for each of the
            # 2,000,000 articles bench/keepup.py serves at R = 50,000.
            paragraphs = 1 if real else 8
            site.publish(story(slug, n=paragraphs, etag=mode == "etag", page_render=render))
        sites.append(site)
        print(f"site{h} {site.url('/feeds/rss.xml')}", flush=True)
    print("ready", flush=True)
    sys.stdin.read()
    for site in sites:
        newssite.stop(site)


if __name__ == "__main__":
    main()

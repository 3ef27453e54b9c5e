"""Fidelity benchmark: does a version appear exactly when the story changes, on real pages?

Run on demand: `python bench/fidelity.py [CHECKS]`. The extraction benchmark's real
news pages are served from the loopback test site (tests/newssite.py) with churn
injected at several positions, around and inside the story: a rotating most-read
block, a visitor counter, a market ticker, a rotating promo and a "read more" teaser,
a live "updated N minutes ago" line. Each request gets new churn. Every page is
fetched over HTTP and extracted CHECKS times (default 4); each text whose hash differs
from the latest version's is a version, as newsmon records them. Then one word at a
random position of the story is changed and the page is checked twice more.

Printed, each of which must be 0:
- spurious versions: new versions while only the churn changed;
- missed edits: the edited page's first check made no version;
- extra versions: the edited page's second check made another one.
And body F1 (the benchmark's metric) on the churned pages, per fixed half, beside
plain trafilatura on the same bytes. Seeded: the same edits every run.
"""

from __future__ import annotations

import random
import re
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CHECKS = 4
SEED = 19
_WORD = re.compile(r"[A-Za-z]{4,}")
_CHURN = '<div data-churn="{kind}"></div>'
HEADLINES = [
    "Council approves new cycle lanes",
    "Storm warning issued for the coast",
    "Local bakery wins national prize",
    "Rail strike called off at last minute",
    "Museum reopens after two-year refit",
]


def churn(kind: str, n: int) -> str:
    """One churn block's HTML for request number `n`: what real pages change per request."""
    rotated = HEADLINES[n % len(HEADLINES) :] + HEADLINES[: n % len(HEADLINES)]
    if kind == "most-read":
        items = "".join(f"<li><a href='/n/{i}'>{h}</a></li>" for i, h in enumerate(rotated))
        return f"<div class='most-read'><h3>Most read</h3><ol>{items}</ol></div>"
    if kind == "counter":
        return f"<div class='live-count'><span>{1000 + 37 * n} people are reading this</span></div>"
    if kind == "ticker":
        return f"<div class='ticker'>FTSE 100 {7000 + n} ▲ 0.{n % 90 + 10}% · GBP/USD 1.{n}</div>"
    if kind == "promo":
        return (
            f"<aside class='promo'><p>Subscribe today for just £{n % 9 + 1}.99 a month."
            "</p></aside><p>Advertisement</p>"
        )
    if kind == "teaser":
        return f"<p>Read more: <a href='/n/{n}'>{rotated[0]}</a></p>"
    if kind == "updated":
        return f"<p>Updated {n % 57 + 2} minutes ago</p>"
    raise ValueError(kind)


KINDS = ("most-read", "counter", "ticker", "promo", "teaser", "updated")


@dataclass
class Prepared:
    """One benchmark page with churn slots, and the same page with one word edited."""

    key: str
    gold: str
    fixed: str
    edited: str | None


def _story_paragraphs(tree, gold: str) -> list:
    """The page's <p> elements whose text is in the gold body: the story's paragraphs."""
    found = []
    for p in tree.iter("p"):
        text = " ".join(p.text_content().split())
        if len(text) >= 40 and text[:40] in gold:
            found.append(p)
    return found


def prepare(key: str, page: str, gold: str, rng: random.Random) -> Prepared:
    """Churn slots at the top and bottom of the body and inside the story; one edit."""
    from lxml.html import fragment_fromstring, fromstring, tostring

    tree = fromstring(page)
    body = tree.find("body")
    slots = [_CHURN.format(kind=kind) for kind in KINDS]
    if body is not None:
        body.insert(0, fragment_fromstring(slots[0]))
        body.append(fragment_fromstring(slots[1]))
    gold_flat = " ".join(gold.split())
    story = _story_paragraphs(tree, gold_flat)
    for slot, anchor in zip(slots[2:], (story[:1] + story[len(story) // 2 :])[:4], strict=False):
        anchor.addnext(fragment_fromstring(slot))  # after the lede, in the middle, further on
    fixed = tostring(tree, encoding="unicode")
    edited = None
    candidates = [p for p in story if len(_WORD.findall(p.text or "")) >= 3]
    if candidates:
        target = rng.choice(candidates)
        words = list(_WORD.finditer(target.text or ""))
        word = rng.choice(words)
        text = target.text or ""
        target.text = text[: word.start()] + "zebra" + text[word.end() :]
        edited = tostring(tree, encoding="unicode")
    return Prepared(key, gold, fixed, edited)


def serve(prepared: Prepared, state: dict[str, bool]) -> Callable[[int], str]:
    """The page for request `n`: the fixed or edited page with churn for that request."""

    def render(n: int) -> str:
        page = prepared.edited if state["edited"] and prepared.edited else prepared.fixed
        for kind in KINDS:
            page = page.replace(_CHURN.format(kind=kind), churn(kind, n))
        return page

    return render


def check(url: str) -> tuple[str, str]:
    """Fetch over loopback and extract as the crawler does: (content hash, text)."""
    from newsmon.core.fingerprint import content_hash
    from newsmon.extract.page import extract

    with urllib.request.urlopen(url, timeout=30) as response:  # loopback only
        body = response.read()
    got = extract(body, url, encoding="utf-8")
    return content_hash(got.title, got.text), got.text


def main() -> int:
    import trafilatura

    from bench.quality import aggregate, half_of, score_page
    from tests import newssite
    from tests.data import BENCHMARK, benchmark_pages

    if not BENCHMARK.exists():
        print(f"benchmark data not found at {BENCHMARK}; nothing measured")
        return 1
    checks = int(sys.argv[1]) if len(sys.argv) > 1 else CHECKS
    rng = random.Random(SEED)
    site = newssite.start(newssite.NewsSite())
    spurious = missed = extra = unedited = 0
    ours: dict[int, list] = {0: [], 1: []}
    plain: dict[int, list] = {0: [], 1: []}
    try:
        for key, _, page, gold in benchmark_pages():
            prepared = prepare(key, page, gold, rng)
            state = {"edited": False}
            slug = f"f-{key[:12]}"
            site.publish(newssite.story(slug, page_render=serve(prepared, state)))
            url = site.url(f"/news/{slug}")
            latest, text = check(url)
            for _ in range(checks - 1):
                now, text = check(url)
                spurious += now != latest
                latest = now
            half = half_of(key)
            ours[half].append(score_page(gold, text))
            churned = serve(prepared, state)(10_000)
            plain[half].append(score_page(gold, trafilatura.extract(churned) or ""))
            if prepared.edited is None:
                unedited += 1
                continue
            state["edited"] = True
            first, _ = check(url)
            second, _ = check(url)
            missed += first == latest
            extra += second != first
    finally:
        newssite.stop(site)
    pages = len(ours[0]) + len(ours[1])
    print(
        f"{pages} real pages, {checks} checks each with churn at {len(KINDS)} positions,"
        f" then a one-word edit ({pages - unedited} pages; {unedited} had no editable"
        " story paragraph)"
    )
    print(f"spurious versions {spurious}  missed edits {missed}  extra versions {extra}")
    for half in (0, 1):
        print(
            f"body F1 half{half} ({len(ours[half])} pages, churned): newsmon"
            f" {aggregate(ours[half]).f1:.4f}, plain trafilatura {aggregate(plain[half]).f1:.4f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Template learning: what it costs and whether it ever eats story.

Run on demand: `python bench/template.py`. The benchmark's 91 pages come from 91
different sites (two at most from one), so no site's template can be learned from
them; they serve as the worst case for the other direction: every page learned as if
one source, the F1 of newsmon's text against the gold text with and without the
learned blocks left out (a drop would mean story lines were taken for template), and
the number of blocks learned. Cost is printed as ratios against extraction, measured
in this process on the same pages: learning from a sample, and leaving the blocks
out of one page.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "article-extraction-benchmark"


def main() -> int:
    from bench.quality import aggregate, score_page
    from newsmon.core.textclean import clean_text
    from newsmon.extract.page import extract
    from newsmon.sources.template import learn

    data = DATA if DATA.exists() else Path("/work/shared/data/article-extraction-benchmark")
    gold = json.loads((data / "ground-truth.json").read_text())
    pages = []
    started = time.process_time()
    for page_id, truth in sorted(gold.items()):
        html = gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes()).decode()
        pages.append((truth["articleBody"], clean_text(extract(html, truth["url"]).text)))
    extract_each = (time.process_time() - started) / len(pages)
    texts = [text for _, text in pages]
    started = time.process_time()
    learned = learn(texts)
    learn_cost = time.process_time() - started
    blocks = sorted(learned.blocks) if learned else []
    started = time.process_time()
    stripped = [learned.without(t) if learned else t for t in texts]
    strip_each = (time.process_time() - started) / len(texts)
    before = aggregate(score_page(g, t) for g, t in pages)
    after = aggregate(score_page(g, t) for (g, _), t in zip(pages, stripped, strict=True))
    changed = sum(a != b for a, b in zip(texts, stripped, strict=True))
    print(f"pages: {len(pages)} from as many sites, learned as one source")
    print(f"blocks learned: {len(blocks)} {blocks[:10]}")
    print(f"pages whose text changed: {changed}")
    print(f"F1 against gold: {before.f1:.4f} without the template step, {after.f1:.4f} with it")
    print(f"learning from {len(pages)} texts: {learn_cost / extract_each:.2f}x one extraction")
    print(f"leaving blocks out of one page: {strip_each / extract_each:.2e}x one extraction")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The article-extraction benchmark's metric: 4-token shingle precision, recall and F1.

Implemented from the description in the benchmark's SOURCE.md, so tests and
`bench/extraction.py` score newsmon and plain trafilatura the same way.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_TOKEN = re.compile(r"\w+")


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    if len(tokens) < size:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


@dataclass(frozen=True)
class PageScore:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        if self.fp == 0 and self.fn == 0:
            return 1.0
        if self.tp + self.fp == 0:
            return None
        return self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        if self.fp == 0 and self.fn == 0:
            return 1.0
        if self.tp + self.fn == 0:
            return None
        return self.tp / (self.tp + self.fn)


def score_page(expected: str, predicted: str) -> PageScore:
    true, pred = shingles(expected), shingles(predicted)
    tp = sum(min(true[s], pred[s]) for s in true.keys() | pred.keys())
    fp = sum(max(0, pred[s] - true[s]) for s in pred)
    fn = sum(max(0, true[s] - pred[s]) for s in true)
    return PageScore(tp, fp, fn)


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    pages: int


def aggregate(pages: Iterable[PageScore]) -> Scores:
    """Macro-average precision and recall over pages; F1 of the two averages."""
    pages = list(pages)
    precisions = [p.precision for p in pages if p.precision is not None]
    recalls = [p.recall for p in pages if p.recall is not None]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, len(pages))


def half_of(page_id: str) -> int:
    """The fixed half (0 or 1) a benchmark page belongs to: a stable hash of its id.

    Rules are tuned on one half and judged on the other, so a gain that only
    fits the pages at hand shows up as no gain.
    """
    return hashlib.sha256(page_id.encode("utf-8")).digest()[0] % 2

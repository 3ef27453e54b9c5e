"""Access to the shared public test data beside the project, with clear skips when absent."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BENCHMARK = DATA / "article-extraction-benchmark"
FEEDS = DATA / "feeds-wild" / "feedparser-tests"


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(
            f"shared test data not found at {path} (expected ../shared/data beside the repo)"
        )
    return path


def benchmark_pages() -> list[tuple[str, str, str, str]]:
    """(id, url, html, gold text) for every page of the extraction benchmark."""
    root = require(BENCHMARK)
    truth = json.loads((root / "ground-truth.json").read_text("utf-8"))
    return [
        (
            key,
            item["url"],
            gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8"),
            item["articleBody"],
        )
        for key, item in sorted(truth.items())
    ]

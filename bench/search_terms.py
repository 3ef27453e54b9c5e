"""The cost of computing search terms in Python, per article, against the regex it replaced.

Run on demand: `python bench/search_terms.py`. Each version's terms are computed once,
when it is stored (newsmon.core.searchterms); this prints the time per article for
English, for a mix of scripts and for Chinese, and the ratio to the old tokenizer
(`[^\\W_]+` over the case-folded text) measured in the same process; then the same
terms stemmed (English, German, Russian: Snowball), against the unstemmed ones.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import timed

from newsmon.core.searchterms import indexed_version

OLD_WORD = re.compile(r"[^\W_]+")
ENGLISH = "Firefighters were called to the harbour at dawn, according to police. " * 80
MIXED = (
    "Die Straße nach İstanbul war gesperrt. Ο υπουργός μίλησε. Мэр Москвы объявил. "
    "भारत सरकार ने नई हिन्दी नीति की घोषणा की। COVID-19 cases rose. "
) * 40
CHINESE = "外交部长王毅今天会见了来访的代表团，代表团随后访问了东京都政府和大阪府。" * 60


def old(title: str, text: str) -> str:
    return " ".join(OLD_WORD.findall(f"{title} {text}".casefold()))


def main() -> int:
    for name, text in (("English", ENGLISH), ("mixed scripts", MIXED), ("Chinese", CHINESE)):
        base, _ = timed(lambda text=text: old("A headline", text))
        took, _ = timed(lambda text=text: indexed_version("A headline", text))
        print(
            f"{name:14} {len(text):6} chars  old {base * 1000:7.2f} ms  "
            f"new {took * 1000:7.2f} ms  ({took / base:.1f}x)"
        )
    for stemmer in ("english", "german", "russian"):
        plain, _ = timed(lambda: indexed_version("A headline", MIXED))
        stemmed, _ = timed(lambda stemmer=stemmer: indexed_version("A headline", MIXED, stemmer))
        print(
            f"stemmed {stemmer:8} {len(MIXED)} chars  unstemmed {plain * 1000:7.2f} ms  "
            f"stemmed {stemmed * 1000:7.2f} ms  ({stemmed / plain:.2f}x)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

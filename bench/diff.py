"""Diff benchmark: the bounded diff on hostile pages against an ordinary article and the
old approach, in one process.

Run on demand: `python bench/diff.py [--old-all]`. Each case diffs two versions through
`newsmon.record.diff.diff_texts` and the change summary the crawler stores
(`newsmon.record.changes`), and prints the time, the comparisons spent, whether the
budget's fallback was taken, and the ratio to an ordinary article's diff (the baseline)
measured in the same process. The old approach (difflib over whole paragraphs and whole
token lists, twice for the inline view) runs on the 2,000-word case; `--old-all` runs it
on every case (minutes).
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from difflib import SequenceMatcher
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsmon.record.changes import Base, measure
from newsmon.record.diff import diff_texts, tokens
from newsmon.record.seqdiff import Budget

COMMON = ("the", "a", "of", "to", "and", "in", "said", "was", "on", "for", "that", "with")


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(size)]


def prose(rng: random.Random, words: int, vocab: list[str]) -> list[str]:
    """News-like words: common words four times in ten, sentences of about 20 words."""
    out = []
    for k in range(words):
        word = rng.choice(COMMON) if rng.random() < 0.4 else rng.choice(vocab)
        out.append(word + ("." if k % 20 == 19 else ""))
    return out


def one_word_changed(words: list[str], at: int, to: str) -> str:
    changed = list(words)
    changed[at] = to
    return " ".join(changed)


def old_approach(old_text: str, new_text: str) -> None:
    """What diff_texts did before: difflib over all paragraphs, then over all tokens of each
    changed paragraph, once for the two sides and once more for the inline view."""
    a, b = old_text.split("\n"), new_text.split("\n")
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "replace":
            for old, new in zip(a[i1:i2], b[j1:j2], strict=False):
                for _ in range(2):
                    SequenceMatcher(None, tokens(old), tokens(new), autojunk=False).get_opcodes()


def change(old: str, new: str) -> None:
    """What the crawler computes for a new version: diff, summary, class, searchable runs."""
    measure(Base("old", "T", old), "T", new, "new")


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def cases(rng: random.Random) -> list[tuple[str, str, str]]:
    vocab = vocabulary(rng)
    out = []
    for n in (2000, 8000, 16000):
        words = prose(rng, n, vocab)
        out.append((f"{n:,}-word paragraph, one word changed", " ".join(words),
                    one_word_changed(words, n // 2, "changed")))  # fmt: skip
        three = list(words)
        for at in (n // 10, n // 2, n - n // 10):
            three[at] = "edited"
        out.append((f"{n:,}-word paragraph, three words far apart", " ".join(words),
                    " ".join(three)))  # fmt: skip
    same = ["A short paragraph that repeats."] * 16000
    edited = list(same)
    edited[3], edited[-3] = "A short paragraph that changed.", "A short paragraph, edited."
    out.append(("16,000 identical paragraphs, two edited", "\n".join(same), "\n".join(edited)))
    buffalo = ["buffalo"] * 16000
    bison = one_word_changed(one_word_changed(buffalo, 5, "bison").split(), 15990, "bison")
    out.append(("16,000 repeats of one word, two changed", " ".join(buffalo), bison))
    return out


def main(argv: list[str]) -> None:
    rng = random.Random(17)
    vocab = vocabulary(rng)
    article = [" ".join(prose(rng, 60, vocab)) for _ in range(14)]  # about 840 words
    edited = list(article)
    edited[4] = edited[4].replace(" the ", " a ", 2)
    baseline = min(timed(lambda: change("\n".join(article), "\n".join(edited))) for _ in range(5))
    print(f"baseline: an 840-word article, one paragraph edited: {baseline * 1000:.2f} ms")
    print(f"{'case':48} {'diff+summary':>13} {'x baseline':>11} {'compared':>11} {'fallback':>8}")
    for name, old, new in cases(rng):
        budget = Budget()
        elapsed = timed(lambda: change(old, new))  # noqa: B023
        diff_texts("T", old, "T", new, budget=budget)
        print(
            f"{name:48} {elapsed * 1000:>10.1f} ms {elapsed / baseline:>10.0f}x "
            f"{budget.spent:>11,} {'yes' if budget.coarse else 'no':>8}"
        )
        if name.startswith("2,000") or "--old-all" in argv:
            before = timed(lambda: old_approach(old, new))  # noqa: B023
            print(f"{'  the old approach, same case':48} {before * 1000:>10.1f} ms "
                  f"{before / baseline:>10.0f}x   ({before / elapsed:.0f}x the new)")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])

"""Text normalisation and the content hash that decides whether an article changed.

Pure functions: the hash covers the headline and the body, because a tracker that
hashed only the body never saw headline edits.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata

_SPACES = re.compile(r"[^\S\n]+")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def normalize_line(line: str) -> str:
    """NFC, zero-width characters and soft hyphens removed, runs of spaces collapsed.

    Called for every line of every page, so a line with no newline (nearly all) takes
    `str.split`, which splits on exactly the characters `\\s` matches, and an ASCII line
    skips NFC and the zero-width pass, neither of which can change it: the same result
    for a third of the time.
    """
    if "\n" not in line:
        if not line.isascii():
            line = _ZERO_WIDTH.sub("", unicodedata.normalize("NFC", line))
        return " ".join(line.split())
    line = unicodedata.normalize("NFC", line)
    line = _ZERO_WIDTH.sub("", line)
    return _SPACES.sub(" ", line).strip()


def normalize_text(text: str) -> str:
    """One paragraph per line, no blank lines: layout changes are not edits, words are."""
    lines = (normalize_line(line) for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def normalize_title(title: str | None) -> str:
    return normalize_line((title or "").replace("\n", " "))


def content_hash(title: str | None, text: str) -> str:
    """SHA-256 over the normalised headline and body, hex encoded."""
    payload = normalize_title(title) + "\n\n" + normalize_text(text)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def raw_hash(body: bytes) -> str:
    """SHA-256 of the raw page, for the cheap path that skips extraction."""
    return hashlib.sha256(body).hexdigest()


def is_flapping(history: list[str], new_hash: str, *, max_repeats: int = 2) -> bool:
    """Whether storing `new_hash` would repeat a transition seen `max_repeats` times.

    `history` is the article's version hashes, oldest first. A revert (A -> B -> A) is
    kept, but text that flips between the same two states over and over (a rotating
    widget the extractor let through) stops producing versions after a few rounds.
    """
    if not history:
        return False
    latest = history[-1]
    seen = sum(
        1 for before, after in itertools.pairwise(history) if before == latest and after == new_hash
    )
    return seen >= max_repeats


def has_settled(recent: list[str], new_hash: str, *, checks: int = 2) -> bool:
    """Whether the page has shown `new_hash` for `checks` consecutive checks, this one included.

    `recent` is the content hashes of the article's latest checks, newest first. Flip-flop
    suppression must not leave the newest version wrong: text the page settles on is
    stored even when storing it repeats a transition.
    """
    earlier = recent[: checks - 1]
    return len(earlier) == checks - 1 and all(h == new_hash for h in earlier)

"""Search terms: the one rule that turns text into indexed words, for both engines. Pure.

SQLite FTS5 and PostgreSQL each tokenise and fold text their own way, and neither
knows every script. So newsmon computes the terms here, at index time and at query
time alike, and each engine only indexes the space-separated result as it stands.

The rule: NFKC, then case folding (`str.casefold()`: ß -> ss, ς -> σ, ﬁ -> fi), with
Turkish İ folded to plain i; diacritics are kept (café is not cafe), and a decomposed
"naïve" equals a precomposed one. A word is a run of letters, digits and the marks
that belong to them (so Hindi, Tamil and Bengali words stay whole); anything else
separates words (COVID-19 is "covid" then "19"). Scripts written without spaces
(Chinese, Japanese, Korean, Thai, Lao, Khmer, Myanmar) are cut into overlapping
pairs of characters, so 外交部 is found inside 外交部长 without a dictionary.

Stemming: where Snowball has an algorithm for a source's language (`stemmer_for`),
each term is replaced by its stem, in place, so "protesters" and "protests" are both
indexed as "protest" and phrases still match term by term. Stemming happens here, not
in the engines, so SQLite and PostgreSQL index the very same stems.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

import regex
import Stemmer

RUN_BREAK = "nmrunbreak"  # newsmon.record.changeclass.RUN_BREAK: keeps phrases within one run
MAX_TERM = 100  # longer "words" are not words; PostgreSQL also refuses lexemes over 2 KB

_PAIRED = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\u30fc"
_TOKEN = regex.compile(r"[\p{L}\p{N}][\p{L}\p{M}\p{N}\p{Cf}]*")
_UNIT = regex.compile(r"[\p{L}\p{N}][\p{M}\p{Cf}]*")
_PARTS = regex.compile(
    rf"(?P<run>(?:[{_PAIRED}]\p{{M}}*)+)|(?P<word>(?:(?![{_PAIRED}])[\p{{L}}\p{{N}}]\p{{M}}*)+)"
)
_HAS_PAIRED = regex.compile(rf"[{_PAIRED}]")
_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{M}\p{N}]*")
_FORMAT = regex.compile(r"\p{Cf}+")


# BCP 47 primary language subtags with a Snowball algorithm (PyStemmer's names). Other
# languages, and sources whose language is unknown, are indexed unstemmed.
SNOWBALL = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "cs": "czech",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "eo": "esperanto",
    "et": "estonian",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "no": "norwegian",
    "nb": "norwegian",
    "nn": "norwegian",
    "fa": "persian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "st": "sesotho",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
# Every way a version can be indexed: unstemmed (None) or by one of these algorithms.
STEMMERS: tuple[str | None, ...] = (None, *sorted(set(SNOWBALL.values())))


class Term(NamedTuple):
    """One indexed term and where it stands in the original text (start, end)."""

    term: str
    start: int
    end: int


def fold(text: str) -> str:
    """NFKC and case folding, with Turkish İ as i and invisible format characters gone."""
    text = unicodedata.normalize("NFKC", text).replace("İ", "i")
    return unicodedata.normalize("NFKC", _FORMAT.sub("", text.casefold()))


def terms(text: str) -> list[Term]:
    """Every term of `text` in order, with the span of the original text it came from."""
    out: list[Term] = []
    for token in _TOKEN.finditer(text):
        raw = token.group()
        if raw.isascii():
            out.append(Term(raw.lower(), token.start(), token.end()))
        elif _HAS_PAIRED.search(raw):
            out.extend(_mixed(raw, token.start()))
        else:
            out.extend(Term(w, token.start(), token.end()) for w in _WORD.findall(fold(raw)))
    return [t for t in out if len(t.term) <= MAX_TERM]


def _mixed(raw: str, offset: int) -> Iterator[Term]:
    """A token holding unspaced script: its other words whole, each unspaced run in pairs."""
    folded = fold(raw)
    if len(folded) == len(raw):  # the usual case: folding kept every character's place
        starts = list(range(offset, offset + len(raw)))
        ends = [i + 1 for i in starts]
    else:  # else fold unit by unit, each folded character standing for its whole unit
        pieces = [(fold(u.group()), u.start(), u.end()) for u in _UNIT.finditer(raw)]
        folded = "".join(p for p, _, _ in pieces)
        starts = [offset + a for p, a, _ in pieces for _ in p]
        ends = [offset + b for p, _, b in pieces for _ in p]
    for part in _PARTS.finditer(folded):
        if part.group("word"):
            yield Term(part.group(), starts[part.start()], ends[part.end() - 1])
            continue
        units = [(u.group(), u.start(), u.end()) for u in _UNIT.finditer(folded, *part.span())]
        if len(units) == 1:
            yield Term(part.group(), starts[part.start()], ends[part.end() - 1])
        for (a, s, _), (b, _, e) in itertools.pairwise(units):
            yield Term(a + b, starts[s], ends[e - 1])


def words(text: str) -> tuple[str, ...]:
    """The terms of `text` alone, without positions or the run break (for queries)."""
    return tuple(t.term for t in terms(text) if t.term != RUN_BREAK)


def stemmer_for(language: str | None) -> str | None:
    """The Snowball algorithm for a BCP 47 tag (`en-GB` -> `english`), None if there is none."""
    if not language:
        return None
    return SNOWBALL.get(language.split("-")[0].lower())


def stems(words: list[str], stemmer: str | None) -> list[str]:
    """`words` stemmed by `stemmer` (None: as they are); the run break is never stemmed.

    A Stemmer object is not safe across threads and costs about 2 µs to make, so
    each call makes its own.
    """
    if stemmer is None or not words:
        return words
    out = Stemmer.Stemmer(stemmer).stemWords(words)
    return [w if w == RUN_BREAK or not s else s for w, s in zip(words, out, strict=True)]


def indexed(text: str | None, stemmer: str | None = None) -> str:
    """The text an engine indexes for `text`: its terms (stemmed), separated by single spaces."""
    return " ".join(stems([t.term for t in terms(text or "")], stemmer))


def indexed_runs(runs: str | None, stemmer: str | None = None) -> str | None:
    """The indexed text of removed or added runs (one a line), a break between runs."""
    if not runs:
        return None
    return f" {RUN_BREAK} ".join(indexed(line, stemmer) for line in runs.split("\n"))


def indexed_version(title: str | None, text: str | None, stemmer: str | None = None) -> str:
    """The indexed text of a version's headline and body: a phrase never spans the two."""
    return f"{indexed(title, stemmer)} {RUN_BREAK} {indexed(text, stemmer)}"

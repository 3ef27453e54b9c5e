"""Search queries: parsed here (pure), run over every version by `newsmon.search.sql`.

The language: words and "quoted phrases" must all appear in a version's headline
or body; `-word` or `-"a phrase"` must not; `removed:` and `added:` (a word or a
quoted phrase) must have left or entered the text at that version; `headline:changed`
keeps headline rewrites; `source:SLUG` and `class:minor|headline|edit` filter.
Words are matched after the folding and stemming of `newsmon.core.searchterms` (the
same terms both database engines index), so what a user types matches what the page
says, and `protest` finds "protests" and "protesters". A word is stemmed by each
version's own algorithm (`text_query`), so German words are stemmed as German in
German sources. `word*` (bare, or after `-`, `removed:`, `added:`) finds every word
that begins so; the last word of `covid-19*` is the prefix.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from newsmon.core import searchterms
from newsmon.record.changeclass import CHANGE_CLASSES

Phrase = tuple[str, ...]
Alternatives = tuple[Phrase, ...]  # a phrase as the index holds it: any of these

PREFIX = "*"  # marks a prefix word in a Phrase; terms hold only letters, marks and digits
MIN_PREFIX = 2

_TOKEN = re.compile(r'(-?)(?:([A-Za-z]+):)?(?:"([^"]*)"?|(\S+))')
MAX_TERMS = 16
KEYS = ("source", "removed", "added", "headline", "class")


class QueryError(ValueError):
    """A search query that cannot be run; the message says why in one line."""


@dataclass(frozen=True)
class Query:
    """A parsed search: what every matching version must (not) contain, and the filters."""

    terms: tuple[Phrase, ...] = ()
    excluded: tuple[Phrase, ...] = ()
    removed: tuple[Phrase, ...] = ()
    added: tuple[Phrase, ...] = ()
    sources: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    headline_changed: bool = False

    @property
    def about_changes(self) -> bool:
        """A question about changes is answered per version pair, not per article."""
        return bool(self.removed or self.added or self.headline_changed or self.classes)

    @property
    def has_text(self) -> bool:
        return bool(self.terms or self.removed or self.added)

    def narrowed(self, *, sources: tuple[str, ...] = (), classes: tuple[str, ...] = ()) -> Query:
        """This query with more filters (a feed's `?source=`, a subscription's class)."""
        return replace(self, sources=self.sources + sources, classes=self.classes + classes)


def words(text: str) -> Phrase:
    """The index terms of `text` (`newsmon.core.searchterms`); the run break never counts."""
    return searchterms.words(text)


def source_slug(value: str) -> str:
    """A `source:` or `?source=` value as a slug to look up; control characters (a NUL,
    which PostgreSQL refuses in any text) make it no slug at all: a QueryError."""
    if any(unicodedata.category(c).startswith("C") for c in value):
        raise QueryError("a source name holds no control characters")
    return value.strip().lower()


def parse(text: str) -> Query:
    """Parse a query string, or raise QueryError saying what is wrong with it."""
    fields: dict[str, list] = {k: [] for k in ("terms", "excluded", "removed", "added")}
    sources: list[str] = []
    classes: list[str] = []
    headline_changed = False
    for match in _TOKEN.finditer(text):
        negated, key, quoted, bare = match.groups()
        key = (key or "").lower()
        value = quoted if quoted is not None else bare
        if key and key not in KEYS:  # "http://…" or "10:30": plain text after all
            value, key = f"{key}:{value}", ""
        if key == "source":
            sources.append(source_slug(value))
        elif key == "class":
            if value.lower() not in CHANGE_CLASSES:
                raise QueryError(f"class: is one of {', '.join(CHANGE_CLASSES)}, not {value!r}")
            classes.append(value.lower())
        elif key == "headline":
            if value.lower() != "changed":
                raise QueryError(f"headline: takes only 'changed', not {value!r}")
            headline_changed = True
        else:
            phrase = _prefixed(words(value)) if bare and bare.endswith(PREFIX) else words(value)
            if phrase:
                slot = "excluded" if negated and not key else (key or "terms")
                fields[slot].append(phrase)
    query = Query(
        **{k: tuple(v) for k, v in fields.items()},
        sources=tuple(sources),
        classes=tuple(classes),
        headline_changed=headline_changed,
    )
    _check(query)
    return query


def _prefixed(phrase: Phrase) -> Phrase:
    """The phrase with its last word as a prefix (`prot*`); too short a prefix is refused."""
    if not phrase:
        return phrase
    if len(phrase[-1]) < MIN_PREFIX:
        raise QueryError(f"a word* search needs at least {MIN_PREFIX} letters before the *")
    return (*phrase[:-1], phrase[-1] + PREFIX)


def _check(query: Query) -> None:
    count = len(query.terms) + len(query.excluded) + len(query.removed) + len(query.added)
    if count > MAX_TERMS:
        raise QueryError(f"a search holds at most {MAX_TERMS} words and phrases")
    if not (query.has_text or query.about_changes):
        raise QueryError("say what to look for: a word, a phrase, removed:, added: or headline:")


@dataclass(frozen=True)
class Cursor:
    """Where a page of results ends: the last hit's capture time and version id."""

    captured_at: datetime
    version_id: int

    def encode(self) -> str:
        raw = f"{self.captured_at.isoformat()}|{self.version_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            at, version_id = raw.split("|")
            cursor = cls(datetime.fromisoformat(at), int(version_id))
            cursor.captured_at.astimezone(UTC)  # 0001-01-01T00:00+14:00 has no UTC time
        except (ValueError, UnicodeDecodeError, OverflowError) as exc:
            raise QueryError("that page cursor is not one newsmon gave out") from exc
        if cursor.captured_at.tzinfo is None or not 0 <= cursor.version_id < 2**62:
            raise QueryError("that page cursor is not one newsmon gave out")
        return cursor


@dataclass(frozen=True)
class TextQuery:
    """The text parts of a query as one stemming algorithm indexes them (`text_query`)."""

    terms: tuple[Alternatives, ...] = ()
    excluded: tuple[Alternatives, ...] = ()
    removed: tuple[Alternatives, ...] = ()
    added: tuple[Alternatives, ...] = ()


def text_query(query: Query, stemmer: str | None) -> TextQuery:
    """The query's words as versions stemmed by `stemmer` hold them.

    A prefix `prot*` matches indexed stems beginning with "prot" or with the prefix's
    own stem (so `protesters*` still finds "protesters", indexed as "protest").
    """

    def stem(phrases: tuple[Phrase, ...]) -> tuple[Alternatives, ...]:
        return tuple(stemmed_phrase(p, stemmer) for p in phrases)

    return TextQuery(
        terms=stem(query.terms),
        excluded=stem(query.excluded),
        removed=stem(query.removed),
        added=stem(query.added),
    )


def stemmed_phrase(phrase: Phrase, stemmer: str | None) -> Alternatives:
    """A typed phrase as index terms: each word stemmed, a final prefix kept both ways."""
    plain = [w.removesuffix(PREFIX) for w in phrase]
    out = tuple(searchterms.stems(plain, stemmer))
    if not phrase[-1].endswith(PREFIX):
        return (out,)
    first = (*out[:-1], plain[-1] + PREFIX)
    second = (*out[:-1], out[-1] + PREFIX)
    return (first,) if first == second else (first, second)


def fts5_match(query: TextQuery) -> str | None:
    """The SQLite FTS5 MATCH expression for the text parts of `query`, if it has any.

    Every word is quoted (a phrase of one), so no user text reaches FTS5's syntax.
    """
    parts = [f"search_terms : {_any(a)}" for a in query.terms]
    parts += [f"removed_terms : {_any(a)}" for a in query.removed]
    parts += [f"added_terms : {_any(a)}" for a in query.added]
    if not parts:
        return None
    expression = " AND ".join(parts)
    excluded = fts5_excluded(query)
    return f"({expression}) NOT ({excluded})" if excluded else expression


def fts5_excluded(query: TextQuery) -> str | None:
    """The FTS5 expression any excluded word or phrase matches (for queries with no words)."""
    return " OR ".join(f"search_terms : {_any(a)}" for a in query.excluded) or None


def _any(alternatives: Alternatives) -> str:
    return "(" + " OR ".join(_quoted(p) for p in alternatives) + ")"


def _quoted(phrase: Phrase) -> str:
    """An FTS5 phrase; a final prefix word becomes FTS5's `"…" *`."""
    words = " ".join(phrase).removesuffix(PREFIX)
    return f'"{words}"' + (" *" if phrase[-1].endswith(PREFIX) else "")


def tsquery(
    phrases: tuple[Alternatives, ...], *, excluded: tuple[Alternatives, ...] = ()
) -> str | None:
    """A PostgreSQL tsquery literal (cast, not parsed): phrases ANDed, exclusions negated.

    Each term is quoted as one lexeme, so PostgreSQL's own parser, whose idea of a
    word depends on the server's locale, never splits or folds it; terms hold only
    letters, marks and digits, so no quote can occur inside one. A prefix word is
    the lexeme with `:*`.
    """
    parts = [f"({_ts_any(a)})" for a in phrases]
    parts += [f"!({_ts_any(a)})" for a in excluded]
    return " & ".join(parts) or None


def _ts_any(alternatives: Alternatives) -> str:
    return " | ".join(f"({_lexemes(p)})" for p in alternatives)


def _lexemes(phrase: Phrase) -> str:
    return " <-> ".join(_lexeme(w) for w in phrase)


def _lexeme(word: str) -> str:
    if word.endswith(PREFIX):
        return f"'{word.removesuffix(PREFIX)}':*"
    return f"'{word}'"

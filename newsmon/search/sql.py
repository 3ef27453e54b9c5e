"""Run a parsed search over every version: SQLite FTS5 or PostgreSQL tsvector, one interface.

Matching happens in the database's own full-text index (migrations 0010, 0015); this
module turns a `search.Query` into the conditions each engine understands, pages
with a keyset cursor, and builds snippets for the page's hits only.

Each version's terms are stemmed by its source's language (`versions.search_stemmer`),
so the query is stemmed once per algorithm the stored versions use (read from an index
in a few steps, however many versions there are); algorithms that give the same terms
share one condition, and when all give the same there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Row,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from newsmon.core.outcomes import ChangeClass
from newsmon.search.query import (
    Cursor,
    Query,
    TextQuery,
    fts5_excluded,
    fts5_match,
    text_query,
    tsquery,
)
from newsmon.search.snippets import first_snippet
from newsmon.storage.models import Article, Source, Version

MAX_PAGE = 100
_FTS = table("version_fts", column("rowid"))
# The distinct stemmers of all versions, one index probe each (a loose index scan that
# both engines run the same way), and whether any version is unstemmed.
_IN_USE = text(
    "WITH RECURSIVE s(x) AS ("
    " SELECT min(search_stemmer) FROM versions"
    " UNION ALL SELECT (SELECT min(search_stemmer) FROM versions WHERE search_stemmer > s.x)"
    " FROM s WHERE s.x IS NOT NULL)"
    " SELECT x FROM s WHERE x IS NOT NULL"
    " UNION ALL SELECT NULL WHERE EXISTS (SELECT 1 FROM versions WHERE search_stemmer IS NULL)"
)


@dataclass(frozen=True)
class Hit:
    """One result: an article's newest matching version, or one matching version pair."""

    article_id: int
    url: str
    source: str
    current_title: str | None
    title: str
    version: int
    captured_at: datetime
    change_class: str | None
    words_added: int
    words_removed: int
    matching_versions: int
    snippet: str


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]
    next_cursor: str | None


def search(
    session: Session, query: Query, *, limit: int = 20, cursor: Cursor | None = None
) -> SearchPage:
    """One page of hits, newest first.

    Plain searches give one hit per article (its newest matching version, and how
    many of its versions match); searches about changes (`removed:`, `added:`,
    `headline:changed`, `class:`) give one hit per matching version pair.
    """
    limit = max(1, min(limit, MAX_PAGE))
    rows = session.execute(_page_query(session, query, limit=limit + 1, cursor=cursor)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    hits = _hits(session, query, {r.id: r.n for r in rows})
    nxt = Cursor(rows[-1].captured_at, rows[-1].id).encode() if more else None
    return SearchPage(hits=hits, next_cursor=nxt)


def matching_versions(
    session: Session, query: Query, *, after_id: int, up_to: int, limit: int
) -> list[int]:
    """Ids of versions in (after_id, up_to] that match `query`, oldest first (for notifiers)."""
    stmt = (
        select(Version.id)
        .join(Article, Article.id == Version.article_id)
        .join(Source, Source.id == Article.source_id)
        .where(Version.id > after_id, Version.id <= up_to, *conditions(session, query))
        .order_by(Version.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def conditions(session: Session, query: Query) -> list[ColumnElement[bool]]:
    """WHERE conditions on versions joined with articles and sources, for either engine."""
    out = _text_conditions(session, query)
    if query.sources:
        out.append(Source.slug.in_(query.sources))
    if query.classes:
        out.append(Version.change_class.in_(query.classes))
    if query.headline_changed:
        out.append(Version.change_class == ChangeClass.HEADLINE)
    return out


def _text_conditions(session: Session, query: Query) -> list[ColumnElement[bool]]:
    if not query.has_text and not query.excluded:
        return []
    groups: dict[TextQuery, list[str | None]] = {}
    for stemmer in stemmers_in_use(session) or [None]:
        groups.setdefault(text_query(query, stemmer), []).append(stemmer)
    postgres = session.get_bind().dialect.name == "postgresql"
    matches = [_pg_match(tq) if postgres else _fts5_match(tq) for tq in groups]
    if len(groups) == 1:
        return [matches[0]]
    return [or_(*(and_(m, _stemmed_by(g)) for m, g in zip(matches, groups.values(), strict=True)))]


def stemmers_in_use(session: Session) -> list[str | None]:
    """The stemmers the stored versions were indexed with (None: unstemmed)."""
    return list(session.scalars(_IN_USE))


def _stemmed_by(stemmers: list[str | None]) -> ColumnElement[bool]:
    named = [s for s in stemmers if s is not None]
    cond = Version.search_stemmer.in_(named)
    return or_(cond, Version.search_stemmer.is_(None)) if None in stemmers else cond


def _fts5_match(tq: TextQuery) -> ColumnElement[bool]:
    """Versions whose FTS5 row matches: words present, or (no words) no excluded word."""
    match = fts5_match(tq)
    if match:
        ids = select(_FTS.c.rowid).where(text("version_fts MATCH :m").bindparams(_bind("m", match)))
        return Version.id.in_(ids)
    excluded = fts5_excluded(tq)
    ids = select(_FTS.c.rowid).where(text("version_fts MATCH :x").bindparams(_bind("x", excluded)))
    return Version.id.not_in(ids)


def _bind(name: str, value: str | None) -> BindParameter[str]:
    """A bind parameter of its own: each stemming's MATCH has its own expression."""
    return bindparam(name, value, type_=Text(), unique=True)


def _pg_match(tq: TextQuery) -> ColumnElement[bool]:
    out: list[ColumnElement[bool]] = []
    docs = (
        ("search_doc", tsquery(tq.terms, excluded=tq.excluded)),
        ("removed_doc", tsquery(tq.removed)),
        ("added_doc", tsquery(tq.added)),
    )
    for doc, tsq in docs:
        if tsq is not None:
            ts = cast(literal(tsq, Text()), TSQUERY)
            out.append(literal_column(f"versions.{doc}").bool_op("@@")(ts))
    return and_(*out)


def _page_query(session: Session, query: Query, *, limit: int, cursor: Cursor | None) -> Select:
    base = (
        select(Version.id, Version.article_id, Version.number, Version.captured_at)
        .join(Article, Article.id == Version.article_id)
        .join(Source, Source.id == Article.source_id)
        .where(*conditions(session, query))
    )
    if query.about_changes:
        sub = base.add_columns(literal_column("1").label("n")).subquery()
    else:
        newest = func.row_number().over(
            partition_by=Version.article_id, order_by=Version.number.desc()
        )
        count = func.count().over(partition_by=Version.article_id)
        sub = base.add_columns(newest.label("rn"), count.label("n")).subquery()
    stmt = select(sub.c.id, sub.c.captured_at, sub.c.n)
    if not query.about_changes:
        stmt = stmt.where(sub.c.rn == 1)
    if cursor is not None:
        stmt = stmt.where(
            or_(
                sub.c.captured_at < cursor.captured_at,
                and_(sub.c.captured_at == cursor.captured_at, sub.c.id < cursor.version_id),
            )
        )
    return stmt.order_by(sub.c.captured_at.desc(), sub.c.id.desc()).limit(limit)


def _hits(session: Session, query: Query, counts: dict[int, int]) -> list[Hit]:
    if not counts:
        return []
    rows = session.execute(
        select(
            Version.id,
            Version.number,
            Version.title,
            Version.text,
            Version.removed_text,
            Version.added_text,
            Version.captured_at,
            Version.change_class,
            Version.search_stemmer,
            Version.words_added,
            Version.words_removed,
            Article.id.label("article_id"),
            Article.url,
            Article.title.label("current_title"),
            Source.slug,
        )
        .join(Article, Article.id == Version.article_id)
        .join(Source, Source.id == Article.source_id)
        .where(Version.id.in_(list(counts)))
        .order_by(Version.captured_at.desc(), Version.id.desc())
    )
    return [_hit(r, query, counts[r.id]) for r in rows]


def _hit(r: Row, query: Query, count: int) -> Hit:
    stem = r.search_stemmer
    if query.terms:
        snip = first_snippet([r.title, r.text], query.terms, stemmer=stem)
    elif query.removed:
        snip = "removed: " + first_snippet([r.removed_text], query.removed, stemmer=stem)
    elif query.added:
        snip = "added: " + first_snippet([r.added_text], query.added, stemmer=stem)
    else:
        snip = first_snippet([r.text], ())
    return Hit(
        article_id=r.article_id,
        url=r.url,
        source=r.slug,
        current_title=r.current_title,
        title=r.title,
        version=r.number,
        captured_at=r.captured_at,
        change_class=r.change_class,
        words_added=r.words_added,
        words_removed=r.words_removed,
        matching_versions=count,
        snippet=snip,
    )

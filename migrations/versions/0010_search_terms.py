"""search terms computed in Python, the same on SQLite and PostgreSQL, in every script

Each version gets `search_terms` (headline and body), `removed_terms` and
`added_terms`: the space-separated terms of `newsmon.core.searchterms` (NFKC, case
folding, CJK and Thai cut into character pairs). Existing versions are re-indexed
here, in batches. The engines then index those terms without tokenising them again:
SQLite FTS5 with its `ascii` tokenizer (it splits only at ASCII punctuation and
spaces, and the terms hold none but the spaces), PostgreSQL with tsvectors built by
`newsmon_tsvector()`, which reads the positions from the spaces and never calls the
text parser (whose idea of a letter depends on the server's locale). The columns
are added with ALTER TABLE ADD COLUMN; `versions` is never rebuilt (see 0006).
This migration computes terms with the code of its day's `newsmon.core.searchterms`:
a later change of that rule needs a migration that re-indexes again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from newsmon.core.searchterms import indexed_runs, indexed_version

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BREAK = "nmrunbreak"
TERMS = ("search_terms", "removed_terms", "added_terms")
DOCS = {"search_doc": "search_terms", "removed_doc": "removed_terms", "added_doc": "added_terms"}
BATCH = 500
OLD_FTS = "title, text, removed_text, added_text"
TRIGGERS = ("versions_fts_ai", "versions_fts_ad", "versions_fts_au")

# Positions come from the spaces; tsvector keeps positions up to 16383, as to_tsvector does.
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION newsmon_tsvector(doc text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(string_agg('''' || t || ''':' || least(n, 16383), ' '), '')::tsvector
  FROM unnest(string_to_array(doc, ' ')) WITH ORDINALITY AS u(t, n) WHERE t <> ''
$$
"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS version_fts")
    elif dialect == "postgresql":
        for name in DOCS:
            op.drop_index(f"ix_versions_{name}", table_name="versions")
            op.drop_column("versions", name)
    with op.batch_alter_table("versions", schema=None) as batch_op:
        for name in TERMS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))
    _reindex()
    if dialect == "sqlite":
        _sqlite_fts(", ".join(TERMS), tokenizer="ascii", values=_new_values)
    elif dialect == "postgresql":
        op.execute(PG_FUNCTION)
        for doc, column in DOCS.items():
            _pg_doc(doc, f"newsmon_tsvector({column})")


def _reindex() -> None:
    """Every existing version's terms, computed in Python a batch of rows at a time."""
    bind = op.get_bind()
    select = sa.text(
        "SELECT id, title, text, removed_text, added_text FROM versions "
        "WHERE id > :after ORDER BY id LIMIT :n"
    )
    update = sa.text(
        "UPDATE versions SET search_terms = :s, removed_terms = :r, added_terms = :a WHERE id = :id"
    )
    after = 0
    while rows := bind.execute(select, {"after": after, "n": BATCH}).all():
        bind.execute(
            update,
            [
                {
                    "id": r.id,
                    "s": indexed_version(r.title, r.text),
                    "r": indexed_runs(r.removed_text),
                    "a": indexed_runs(r.added_text),
                }
                for r in rows
            ],
        )
        after = rows[-1].id


def _new_values(row: str) -> str:
    return f"{row}.id, " + ", ".join(f"{row}.{c}" for c in TERMS)


def _old_values(row: str) -> str:
    def runs(col: str) -> str:
        return f"replace(coalesce({row}.{col}, ''), char(10), ' {BREAK} ')"

    return f"{row}.id, {row}.title, {row}.text, {runs('removed_text')}, {runs('added_text')}"


def _sqlite_fts(columns: str, *, tokenizer: str, values) -> None:
    """An external-content FTS5 table over versions, kept in step by triggers (as 0005)."""
    op.execute(
        f"CREATE VIRTUAL TABLE version_fts USING fts5({columns}, content='versions', "
        f"content_rowid='id', tokenize='{tokenizer}')"
    )
    delete = f"INSERT INTO version_fts(version_fts, rowid, {columns}) VALUES('delete', "
    insert = f"INSERT INTO version_fts(rowid, {columns}) VALUES ("
    op.execute(
        "CREATE TRIGGER versions_fts_ai AFTER INSERT ON versions BEGIN "
        f"{insert}{values('new')}); END"
    )
    op.execute(
        "CREATE TRIGGER versions_fts_ad AFTER DELETE ON versions BEGIN "
        f"{delete}{values('old')}); END"
    )
    op.execute(
        f"CREATE TRIGGER versions_fts_au AFTER UPDATE OF {columns} ON versions BEGIN "
        f"{delete}{values('old')}); {insert}{values('new')}); END"
    )
    op.execute("INSERT INTO version_fts(version_fts) VALUES ('rebuild')")


def _pg_doc(name: str, expr: str) -> None:
    computed = sa.Computed(expr, persisted=True)
    op.add_column("versions", sa.Column(name, sa.dialects.postgresql.TSVECTOR(), computed))
    op.create_index(f"ix_versions_{name}", "versions", [name], postgresql_using="gin")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS version_fts")
    elif dialect == "postgresql":
        for name in DOCS:
            op.drop_index(f"ix_versions_{name}", table_name="versions")
            op.drop_column("versions", name)
        op.execute("DROP FUNCTION IF EXISTS newsmon_tsvector(text)")
    with op.batch_alter_table("versions", schema=None) as batch_op:
        for name in TERMS:
            batch_op.drop_column(name)
    if dialect == "sqlite":
        _sqlite_fts(OLD_FTS, tokenizer="unicode61 remove_diacritics 0", values=_old_values)
    elif dialect == "postgresql":
        body = f"coalesce(title, '') || ' {BREAK} ' || coalesce(text, '')"
        for doc, expr in {
            "search_doc": body,
            "removed_doc": f"replace(coalesce(removed_text, ''), E'\\n', ' {BREAK} ')",
            "added_doc": f"replace(coalesce(added_text, ''), E'\\n', ' {BREAK} ')",
        }.items():
            _pg_doc(doc, f"to_tsvector('simple'::regconfig, {expr})")

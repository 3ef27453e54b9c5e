"""search stems: each version's terms re-indexed by the Snowball algorithm of its source's language

Adds `versions.search_stemmer` (the algorithm a version's terms were stemmed with, NULL
for unstemmed) and recomputes `search_terms`, `removed_terms` and `added_terms` with
`newsmon.core.searchterms`, a batch of rows at a time; an index on the column lets a
search list the stemmers in use in a few index probes. The FTS5 update trigger and the
PostgreSQL generated tsvector columns of 0010 follow the new terms by themselves. The
column is added with ALTER TABLE ADD COLUMN and dropped with ALTER TABLE DROP COLUMN:
`versions` is never rebuilt (that would drop 0010's triggers; see 0006).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from newsmon.core.searchterms import indexed_runs, indexed_version, stemmer_for

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    op.add_column("versions", sa.Column("search_stemmer", sa.String(length=32), nullable=True))
    _reindex(stemmed=True)
    op.create_index("ix_versions_search_stemmer", "versions", ["search_stemmer"])


def downgrade() -> None:
    op.drop_index("ix_versions_search_stemmer", table_name="versions")
    _reindex(stemmed=False)
    op.drop_column("versions", "search_stemmer")


def _reindex(*, stemmed: bool) -> None:
    """Every version's terms, stemmed by its source's language (or not), in batches."""
    bind = op.get_bind()
    select = sa.text(
        "SELECT v.id, v.title, v.text, v.removed_text, v.added_text, s.language "
        "FROM versions v JOIN articles a ON a.id = v.article_id "
        "JOIN sources s ON s.id = a.source_id "
        "WHERE v.id > :after ORDER BY v.id LIMIT :n"
    )
    columns = "search_terms = :s, removed_terms = :r, added_terms = :a"
    if stemmed:
        columns += ", search_stemmer = :stemmer"
    update = sa.text(f"UPDATE versions SET {columns} WHERE id = :id")
    after = 0
    while rows := bind.execute(select, {"after": after, "n": BATCH}).all():
        params = []
        for r in rows:
            stemmer = stemmer_for(r.language) if stemmed else None
            params.append(
                {
                    "id": r.id,
                    "s": indexed_version(r.title, r.text, stemmer),
                    "r": indexed_runs(r.removed_text, stemmer),
                    "a": indexed_runs(r.added_text, stemmer),
                    "stemmer": stemmer,
                }
            )
        bind.execute(update, params)
        after = rows[-1].id

"""full-text search over versions, change classes, article events, notifications

SQLite: an external-content FTS5 table over versions kept in step by triggers, so
the transaction that stores a version also indexes it. PostgreSQL: generated
tsvector columns with GIN indexes. Both index headline and body, and the runs of
removed and added words, joined by a break token so a phrase never spans two runs.
A later migration that rebuilds `versions` in SQLite batch mode must recreate the
triggers below.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BREAK = "nmrunbreak"  # newsmon.record.changeclass.RUN_BREAK, frozen here as migrations must be
FTS_COLUMNS = "title, text, removed_text, added_text"


def _fts_values(row: str) -> str:
    def runs(col: str) -> str:
        return f"replace(coalesce({row}.{col}, ''), char(10), ' {BREAK} ')"

    return f"{row}.id, {row}.title, {row}.text, {runs('removed_text')}, {runs('added_text')}"


def _pg_doc(expr: str) -> sa.Computed:
    return sa.Computed(f"to_tsvector('simple'::regconfig, {expr})", persisted=True)


def _pg_runs(col: str) -> str:
    return f"replace(coalesce({col}, ''), E'\\n', ' {BREAK} ')"


def upgrade() -> None:
    op.add_column("versions", sa.Column("change_class", sa.String(length=16), nullable=True))
    op.add_column("versions", sa.Column("removed_text", sa.Text(), nullable=True))
    op.add_column("versions", sa.Column("added_text", sa.Text(), nullable=True))
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_fts()
    elif dialect == "postgresql":
        _pg_fts()
    op.create_table(
        "article_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('frozen', 'gone', 'back')", name="ck_article_events_kind"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_article_events_article_at", "article_events", ["article_id", "at"])
    op.create_index("ix_article_events_at", "article_events", ["at"])
    _notify_tables()


def _sqlite_fts() -> None:
    op.execute(
        f"CREATE VIRTUAL TABLE version_fts USING fts5({FTS_COLUMNS}, content='versions', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
    )
    delete = f"INSERT INTO version_fts(version_fts, rowid, {FTS_COLUMNS}) VALUES('delete', "
    insert = f"INSERT INTO version_fts(rowid, {FTS_COLUMNS}) VALUES ("
    op.execute(
        f"CREATE TRIGGER versions_fts_ai AFTER INSERT ON versions BEGIN "
        f"{insert}{_fts_values('new')}); END"
    )
    op.execute(
        f"CREATE TRIGGER versions_fts_ad AFTER DELETE ON versions BEGIN "
        f"{delete}{_fts_values('old')}); END"
    )
    op.execute(
        "CREATE TRIGGER versions_fts_au AFTER UPDATE OF title, text, removed_text, added_text "
        f"ON versions BEGIN {delete}{_fts_values('old')}); "
        f"{insert}{_fts_values('new')}); END"
    )
    op.execute("INSERT INTO version_fts(version_fts) VALUES ('rebuild')")


def _pg_fts() -> None:
    body = f"coalesce(title, '') || ' {BREAK} ' || coalesce(text, '')"
    docs = {
        "search_doc": body,
        "removed_doc": _pg_runs("removed_text"),
        "added_doc": _pg_runs("added_text"),
    }
    for name, expr in docs.items():
        op.add_column("versions", sa.Column(name, sa.dialects.postgresql.TSVECTOR(), _pg_doc(expr)))
        op.create_index(f"ix_versions_{name}", "versions", [name], postgresql_using="gin")


def _notify_tables() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("change_class", sa.String(length=16), nullable=True),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')", name="ck_deliveries_status"
        ),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscriptions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscription_id", "version_id", name="uq_deliveries_sub_version"),
    )
    op.create_index("ix_deliveries_status_next", "deliveries", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("subscriptions")
    op.drop_index("ix_article_events_at", table_name="article_events")
    op.drop_index("ix_article_events_article_at", table_name="article_events")
    op.drop_table("article_events")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("versions_fts_ai", "versions_fts_ad", "versions_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS version_fts")
    elif dialect == "postgresql":
        for name in ("search_doc", "removed_doc", "added_doc"):
            op.drop_index(f"ix_versions_{name}", table_name="versions")
            op.drop_column("versions", name)
    for name in ("added_text", "removed_text", "change_class"):
        op.drop_column("versions", name)

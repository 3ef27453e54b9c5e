"""the URL each check and version was actually fetched from, the encoding each check
read its page with, and article events that say a story moved to another source

`fetched_url` is the response's URL after redirects: the URL that served the body,
which the WARC export names (an article's own URL may redirect, or change later).
Versions already had their encoding (0004). Columns are added with ALTER TABLE ADD
COLUMN, never by rebuilding `versions` or `checks` (see 0006). `article_events` gains
the kind `moved` and a `detail`: in SQLite a new CHECK constraint means rebuilding
that one table, which nothing references, from the definition below.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD_KINDS = "('frozen', 'gone', 'back')"
NEW_KINDS = "('frozen', 'gone', 'back', 'moved')"


def _events(kinds: str, *, detail: bool) -> sa.Table:
    """article_events as it is (or will be): batch mode copies from this, not reflection."""
    columns = [
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "article_id",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
    ]
    if detail:
        columns.append(sa.Column("detail", sa.Text(), nullable=True))
    return sa.Table(
        "article_events",
        sa.MetaData(),
        *columns,
        sa.CheckConstraint(f"kind IN {kinds}", name="ck_article_events_kind"),
        sa.Index("ix_article_events_article_at", "article_id", "at"),
        sa.Index("ix_article_events_at", "at"),
    )


def _set_event_kinds(kinds: str, *, detail: bool) -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "article_events", recreate="always", copy_from=_events(kinds, detail=detail)
        ):
            pass
        return
    op.drop_constraint("ck_article_events_kind", "article_events", type_="check")
    op.create_check_constraint("ck_article_events_kind", "article_events", f"kind IN {kinds}")


def upgrade() -> None:
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fetched_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("encoding", sa.String(length=64), nullable=True))
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fetched_url", sa.String(length=2048), nullable=True))
    with op.batch_alter_table("article_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", sa.Text(), nullable=True))
    _set_event_kinds(NEW_KINDS, detail=True)


def downgrade() -> None:
    op.execute("DELETE FROM article_events WHERE kind = 'moved'")
    _set_event_kinds(OLD_KINDS, detail=True)
    with op.batch_alter_table("article_events", schema=None) as batch_op:
        batch_op.drop_column("detail")
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_column("fetched_url")
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_column("encoding")
        batch_op.drop_column("fetched_url")

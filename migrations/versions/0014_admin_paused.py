"""paused feeds, starter sources marked, web admin accounts and the session secret

`feeds.paused` keeps one feed of a source out of the crawl (a paused source is
`sources.enabled = false`, a column since 0001). `sources.starter` marks the shipped
starter list, so `newsmon sources remove --starter` removes exactly those.
`admin_users` holds the web's admin accounts (argon2 hashes, a feed token each for
private mode); `web_keys` holds the key that signs session cookies, made on first use.
Columns are added with ALTER TABLE ADD COLUMN (see 0006), so no SQLite table is copied.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "feeds", sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "sources", sa.Column("starter", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.create_table(
        "admin_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("feed_token", sa.String(length=64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "web_keys",
        sa.Column("name", sa.String(length=32), primary_key=True),
        sa.Column("value", sa.String(length=128), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("web_keys")
    op.drop_table("admin_users")
    with op.batch_alter_table("sources") as batch_op:
        batch_op.drop_column("starter")
    with op.batch_alter_table("feeds") as batch_op:
        batch_op.drop_column("paused")

"""feed leases, lease owners, the encoding each version was fetched with, crawler heartbeats

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("lease_owner", sa.Integer(), nullable=True))
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_owner", sa.Integer(), nullable=True))
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("encoding", sa.String(length=64), nullable=True))
    op.create_table(
        "crawler_heartbeats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("all_pass_since", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_crawler_heartbeats_seen_at", "crawler_heartbeats", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_crawler_heartbeats_seen_at", table_name="crawler_heartbeats")
    op.drop_table("crawler_heartbeats")
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_column("encoding")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("lease_owner")
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("lease_until")

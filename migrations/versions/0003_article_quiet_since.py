"""article quiet_since: what the recheck clock and the freeze sweep count from

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quiet_since", sa.DateTime(), nullable=True))
    op.execute("UPDATE articles SET quiet_since = coalesce(last_changed_at, first_seen_at)")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.alter_column("quiet_since", existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index(
            "ix_articles_status_quiet_since", ["status", "quiet_since"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_status_quiet_since")
        batch_op.drop_column("quiet_since")

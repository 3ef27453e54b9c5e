"""deliveries: when the first attempt was made, so retries expire a day after it

A delivery queued behind a long backlog was failed on its first attempt when that
attempt came more than a day after queueing. Retries now count from the first
attempt. Deliveries already attempted take their queueing time, the rule they were
under until now.

A nullable column without a default: in SQLite that is a plain ALTER TABLE, no rebuild.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_attempt_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE deliveries SET first_attempt_at = created_at WHERE attempts > 0")


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("first_attempt_at")

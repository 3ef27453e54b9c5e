"""per-source access (headers, cookie, user agent, proxy) and a per-source check interval

`sources.access` holds what `newsmon sources set --header/--cookie/--user-agent/--proxy`
stores (JSON, secrets included: never printed unmasked); `sources.min_interval` is the
floor in seconds under every recheck and feed poll of the source. Columns are added
with ALTER TABLE ADD COLUMN (see 0006), so no SQLite table is copied.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sources", sa.Column("access", sa.JSON(), nullable=True))
    op.add_column("sources", sa.Column("min_interval", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch_op:
        batch_op.drop_column("min_interval")
        batch_op.drop_column("access")

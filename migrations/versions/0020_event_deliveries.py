"""source events delivered to subscriptions; checks record an extraction's fallback

`subscriptions.events` says whether a subscription is told of its sources' events
(extraction degraded or recovered, template changed); `subscriptions.last_event_id` is
its cursor over `source_events`, as `last_version_id` is over versions; a delivery names
either a version or a source event (`deliveries.source_event_id`). `checks.fallback`
says when a check's extraction fell back from the precision pass (to the recall pass or
to structured data), for the source's health figures. Subscriptions that exist start
at the newest event, so an upgrade sends no old ones. `subscriptions` and `checks` get
a plain ALTER TABLE ADD COLUMN (see 0006); SQLite copies only `deliveries`, for its
foreign key.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("checks", sa.Column("fallback", sa.String(length=16), nullable=True))
    op.add_column(
        "subscriptions",
        sa.Column("events", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column(
        "subscriptions",
        sa.Column("last_event_id", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(
        "UPDATE subscriptions SET last_event_id = (SELECT COALESCE(MAX(id), 0) FROM source_events)"
    )
    # SQLite rebuilds `deliveries` here (a column's REFERENCES added by ALTER TABLE is not
    # reflected with its ON DELETE); nothing refers to that table, and migrations run with
    # SQLite's foreign keys off (migrations/env.py), so the copy cascades nowhere.
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.add_column(sa.Column("source_event_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_deliveries_source_event_id",
            "source_events",
            ["source_event_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("checks") as batch_op:
        batch_op.drop_column("fallback")
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_column("source_event_id")
    with op.batch_alter_table("subscriptions") as batch_op:
        batch_op.drop_column("last_event_id")
        batch_op.drop_column("events")

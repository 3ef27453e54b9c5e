"""per-source template and extraction health; template and health source events

`sources.template` holds the blocks a source's pages repeat (newsmon.sources.template),
`template_learned_at` when they were learned; `degraded_since` / `degraded_reason` say
that a source's extraction broke (newsmon.record.health) and hold its changes back
from notifications. `versions.changed_blocks` keeps the digests of the template-sized
lines a version added or removed, so that one block appearing in many articles at once
is found with one query (newsmon.record.templatechange). Columns are added with ALTER
TABLE ADD COLUMN (see 0006): `sources` and `versions` are never rebuilt. Only
`source_events`, which nothing references, is rebuilt on SQLite to widen its kinds
and let its byte counts be empty for events that are not about storage.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

SOURCE_COLUMNS = (
    ("template", sa.JSON()),
    ("template_learned_at", sa.DateTime()),
    ("degraded_since", sa.DateTime()),
    ("degraded_reason", sa.Text()),
)
OLD_KINDS = "kind IN ('over_quota', 'under_quota')"
NEW_KINDS = (
    "kind IN ('over_quota', 'under_quota', 'template_changed', 'degraded', 'recovered', 'released')"
)


def _events(kinds: str, nullable: bool) -> None:
    with op.batch_alter_table("source_events", recreate="always") as batch_op:
        batch_op.drop_constraint("ck_source_events_kind", type_="check")
        batch_op.create_check_constraint("ck_source_events_kind", sa.text(kinds))
        for name in ("stored_bytes", "quota_bytes"):
            batch_op.alter_column(name, existing_type=sa.BigInteger(), nullable=nullable)


def upgrade() -> None:
    for name, type_ in SOURCE_COLUMNS:
        op.add_column("sources", sa.Column(name, type_, nullable=True))
    op.add_column("versions", sa.Column("changed_blocks", sa.JSON(), nullable=True))
    _events(NEW_KINDS, nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM source_events WHERE kind NOT IN ('over_quota', 'under_quota')")
    _events(OLD_KINDS, nullable=False)
    op.drop_column("versions", "changed_blocks")
    for name, _ in reversed(SOURCE_COLUMNS):
        op.drop_column("sources", name)

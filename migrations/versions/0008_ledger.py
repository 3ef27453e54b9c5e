"""the tamper-evident ledger: a record hash on every version, the Merkle log's leaves,
and signed checkpoints

Versions already stored are marked `chained = 'upgrade'`: their records are computed
when newsmon first runs with the ledger (newsmon.ledger.chain), from what the database
holds then, so the ledger proves they were not altered after that moment, not after
their capture. Columns are added with ALTER TABLE ADD COLUMN (see 0006).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = (
    ("record_hash", sa.String(length=64)),
    ("record_url", sa.String(length=2048)),
    ("raw_sha256", sa.String(length=64)),
    ("chained", sa.String(length=8)),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("versions", sa.Column(name, type_, nullable=True))
    op.execute("UPDATE versions SET chained = 'upgrade'")
    op.create_table(
        "ledger_leaves",
        sa.Column("leaf_index", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version_id", sa.Integer(), nullable=False, unique=True),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.Column("appended_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tree_size", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("signed_time", sa.String(length=40), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("timestamps", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_ledger_checkpoints_tree_size", "ledger_checkpoints", ["tree_size"])


def downgrade() -> None:
    op.drop_index("ix_ledger_checkpoints_tree_size", "ledger_checkpoints")
    op.drop_table("ledger_checkpoints")
    op.drop_table("ledger_leaves")
    for name, _ in reversed(COLUMNS):
        op.drop_column("versions", name)

"""raw pages stored once by SHA-256, thinning recorded per version, source quota events

New versions name a `raw_pages` row (zlib-compressed bytes, one row however many
versions share the page) instead of carrying their own copy in `versions.raw_html`.
Versions stored before keep `raw_html`, read through the same function
(newsmon.storage.rawpages); nothing is copied, so the upgrade is quick on a large
archive. `raw_thinned_at` / `raw_thinned_by` record when and by which rule a version's
raw page was deleted, so `newsmon verify` can tell a thinned page from a lost one.
Columns are added with ALTER TABLE ADD COLUMN (see 0006); none of them is indexed
for search, so the FTS5 triggers and tsvector columns (0005) are untouched.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = (
    ("raw_page", sa.String(length=64)),
    ("raw_thinned_at", sa.DateTime()),
    ("raw_thinned_by", sa.String(length=200)),
)


def upgrade() -> None:
    op.create_table(
        "raw_pages",
        sa.Column("sha256", sa.String(length=64), primary_key=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("named_at", sa.DateTime(), nullable=False),
    )
    for name, type_ in COLUMNS:
        op.add_column("versions", sa.Column(name, type_, nullable=True))
    op.create_index("ix_versions_raw_page", "versions", ["raw_page"])
    op.create_table(
        "source_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "source_id",
            sa.Integer(),
            sa.ForeignKey("sources.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("stored_bytes", sa.BigInteger(), nullable=False),
        sa.Column("quota_bytes", sa.BigInteger(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('over_quota', 'under_quota')", name="ck_source_events_kind"),
    )
    op.create_index("ix_source_events_source_at", "source_events", ["source_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_source_events_source_at", "source_events")
    op.drop_table("source_events")
    op.drop_index("ix_versions_raw_page", "versions")
    for name, _ in reversed(COLUMNS):
        op.drop_column("versions", name)
    op.drop_table("raw_pages")

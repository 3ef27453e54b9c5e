"""articles.story_anchor: where the story was on the last full extraction

A JSON text (newsmon.record.reading.StoryAnchor): the path to the story's region, its
fingerprint, the extractor and text hash it was taken under, and when the last full
extraction ran. A recheck that finds the fingerprint unchanged skips extraction. Added
with ALTER TABLE ADD COLUMN, never by rebuilding `articles` (see 0006); NULL means the
next check extracts in full, so nothing needs filling in.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("story_anchor", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("story_anchor")

"""reach: sitemaps beside feeds, per-source extraction rules, rendering and language,
and the page's own dates with where each date came from

Only columns with constant defaults are added: in SQLite that is a plain ALTER TABLE.
A check constraint, or a default given as an SQL expression such as `sa.false()`,
would make Alembic rebuild `sources`; the allowed values are checked in code instead.
(migrations/env.py also turns SQLite's foreign keys off for migrations, so a rebuild,
as every downgrade's drop_column is, cannot cascade into articles.)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="feed")
        )
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extract_rules", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("render", sa.String(length=16), nullable=False, server_default="http")
        )
        batch_op.add_column(sa.Column("language", sa.String(length=35), nullable=True))
        batch_op.add_column(
            sa.Column("language_pinned", sa.Boolean(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_from", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("updated_from", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("updated_from")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("published_from")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("language_pinned")
        batch_op.drop_column("language")
        batch_op.drop_column("render")
        batch_op.drop_column("extract_rules")
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.drop_column("kind")

"""an index of the articles never fetched yet, so the claim takes them first

A newly discovered article is claimed before every recheck that is overdue
(newsmon.crawl.claims): its first version is the evidence every later edit is compared
with. The claim reads them through this partial index (articles with no
`last_checked_at`), a handful of rows however many rechecks are overdue. Both SQLite
and PostgreSQL build partial indexes; no table is copied.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

UNCHECKED = sa.text("last_checked_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_articles_unchecked_next_check_at",
        "articles",
        ["next_check_at"],
        sqlite_where=UNCHECKED,
        postgresql_where=UNCHECKED,
    )


def downgrade() -> None:
    op.drop_index("ix_articles_unchecked_next_check_at", table_name="articles")

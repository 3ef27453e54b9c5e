"""article host for per-host politeness windows, robots.txt kept across restarts

`articles.host` is the host an article's URL is fetched from (newsmon.core.hosts), the
key the work queue counts in-flight work by, as Scrapy's download slots do. It is
filled here from each URL, a few thousand rows per statement, and indexed. The column
has a constant default, so SQLite adds it with a plain ALTER TABLE (see 0006).
`robots_txt` keeps each site's robots.txt as fetched, read when a crawler starts.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from newsmon.core.hosts import host_of

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

CHUNK = 5000


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("host", sa.String(length=255), nullable=False, server_default="")
        )
    _fill_hosts()
    op.create_index("ix_articles_host", "articles", ["host"])
    op.create_table(
        "robots_txt",
        sa.Column("site", sa.String(length=512), primary_key=True),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
    )


def _fill_hosts() -> None:
    """Each article's host from its URL, walked by id in chunks."""
    bind = op.get_bind()
    articles = sa.table("articles", sa.column("id", sa.Integer), sa.column("url", sa.String))
    host = sa.table("articles", sa.column("id", sa.Integer), sa.column("host", sa.String))
    after = 0
    while True:
        rows = bind.execute(
            sa.select(articles.c.id, articles.c.url)
            .where(articles.c.id > after)
            .order_by(articles.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        bind.execute(
            host.update().where(host.c.id == sa.bindparam("row_id")),
            [{"row_id": row_id, "host": host_of(url)} for row_id, url in rows],
        )
        after = rows[-1][0]


def downgrade() -> None:
    op.drop_table("robots_txt")
    op.drop_index("ix_articles_host", table_name="articles")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("host")

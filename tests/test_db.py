"""The schema: migrations and models agree; SQLite runs in WAL with foreign keys."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from newsmon.storage.db import make_engine, upgrade
from newsmon.storage.models import Base, include_object


def test_migrations_match_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_sqlite_pragmas(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def _counts(engine) -> dict[str, int]:
    tables = ("sources", "feeds", "articles", "versions", "checks", "article_events")
    with engine.connect() as conn:
        return {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in tables}


@pytest.mark.empty_database
def test_migrating_a_database_with_history_keeps_every_row(database_url):
    """Upgrading (and downgrading) a watched site's database loses nothing: a table
    rebuilt by a batch migration must not cascade into articles and versions."""
    upgrade(database_url, "0005")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        at = "'2026-01-01 00:00:00'"
        conn.exec_driver_sql(
            f"INSERT INTO sources (slug, name, enabled, created_at) VALUES ('a', 'A', true, {at})"
        )
        conn.exec_driver_sql(
            "INSERT INTO feeds (source_id, url, consecutive_errors, next_poll_at, entries_seen)"
            f" SELECT id, 'https://a.example/feed', 0, {at}, 0 FROM sources"
        )
        conn.exec_driver_sql(
            "INSERT INTO articles (source_id, url, first_seen_at, status, version_count,"
            " consecutive_errors, consecutive_missing, quiet_since)"
            f" SELECT id, 'https://a.example/x', {at}, 'active', 1, 0, 0, {at} FROM sources"
        )
        conn.exec_driver_sql(
            "INSERT INTO versions (article_id, number, captured_at, content_hash, title, text,"
            " extractor, words_added, words_removed, title_changed)"
            f" SELECT id, 0, {at}, 'h', 'T', 'Text.', 'x', 0, 0, false FROM articles"
        )
        conn.exec_driver_sql(
            f"INSERT INTO checks (article_id, at, outcome) SELECT id, {at}, 'changed' FROM articles"
        )
        conn.exec_driver_sql(
            "INSERT INTO article_events (article_id, kind, at)"
            f" SELECT id, 'gone', {at} FROM articles"
        )
    engine.dispose()
    before = _counts(make_engine(database_url))
    assert set(before.values()) == {1}
    upgrade(database_url)
    assert _counts(make_engine(database_url)) == before
    with make_engine(database_url).begin() as conn:  # 0007: a story can move to another source
        conn.exec_driver_sql(
            "INSERT INTO article_events (article_id, kind, at, detail)"
            f" SELECT id, 'moved', {at}, 'from a' FROM articles"
        )
        conn.exec_driver_sql("DELETE FROM article_events WHERE kind = 'moved'")
    from alembic import command

    from newsmon.storage.db import alembic_config

    command.downgrade(alembic_config(database_url), "0005")
    assert _counts(make_engine(database_url)) == before
    upgrade(database_url)
    assert _counts(make_engine(database_url)) == before

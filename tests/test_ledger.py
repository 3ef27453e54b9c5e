"""The ledger over real crawls: every way of rewriting history is caught and named.

Versions are captured by real Scrapy crawls of the loopback news site into a real
database (SQLite and PostgreSQL); tampering is done the way an operator with write
access would do it, by SQL; `newsmon verify` (the audit) must name the article's URL
and the version number, and a proof must verify with the public key alone.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from newsmon.crawl.checkpoints import ledger_key
from newsmon.ledger.audit import Report, verify
from newsmon.ledger.checkpoint import sign_checkpoint
from newsmon.ledger.keys import load_or_create_key, public_key_b64
from newsmon.ledger.log import write_checkpoint
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Article, LedgerCheckpoint, LedgerLeaf, Version
from tests.cli_helpers import cli_env, newsmon
from tests.newssite import story


@pytest.fixture
def history(site, crawler, add_feed, clock, config, tmp_path):
    """Two articles, one edited twice (versions 0, 1, 2), one never (version 0), signed."""
    site.publish(story("harbour-fire", n=4))
    site.publish(story("school-closures", n=3))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    for n in (1, 2):
        site.edit("harbour-fire", paragraph=(1, f"Firefighters worked through night {n}."))
        clock.advance(minutes=20)
        assert crawler.once().articles_changed == 1
    key = load_or_create_key(tmp_path / "ledger.key")
    with transaction(ensure_schema(config.database_url)) as session:
        assert write_checkpoint(session, key, now=clock.now()) is not None
    return key


def audit(config, key) -> Report:
    with transaction(ensure_schema(config.database_url)) as session:
        return verify(session, key.public_key())


def fire_url(site) -> str:
    return site.url("/news/harbour-fire")


def tamper(config, sql: str, **params: object) -> None:
    with transaction(ensure_schema(config.database_url)) as session:
        session.execute(text(sql), params)


def version_id(config, url: str, number: int) -> int:
    with transaction(ensure_schema(config.database_url)) as session:
        return session.scalar(
            select(Version.id).join(Article).where(Article.url == url, Version.number == number)
        )


def test_untouched_history_verifies_with_every_version_sealed_at_capture(history, config):
    report = audit(config, history)
    assert report.failures == []
    assert (report.versions, report.articles, report.leaves, report.checkpoints) == (4, 2, 4, 1)
    assert report.unchained == 0


@pytest.mark.parametrize(
    ("sql", "number", "named"),
    [
        ("UPDATE versions SET text = text || ' (softened)' WHERE id = :v", 1, "differ"),
        ("UPDATE versions SET title = 'A calmer headline' WHERE id = :v", 1, "differ"),
        (
            "UPDATE raw_pages SET body = :raw WHERE sha256 = "
            "(SELECT raw_page FROM versions WHERE id = :v)",
            1,
            "raw page",
        ),
        ("DELETE FROM versions WHERE id = :v", 1, "missing"),
    ],
    ids=["text", "headline", "raw-page", "deleted"],
)
def test_an_edit_by_sql_fails_verify_naming_the_article_and_version(
    history, config, site, sql, number, named
):
    url = fire_url(site)
    params: dict[str, object] = {"v": version_id(config, url, number)}
    if "raw" in sql:
        params["raw"] = zlib.compress(b"<html><h1>Forged</h1><p>Not what was served.</p></html>")
    tamper(config, sql, **params)
    report = audit(config, history)
    assert any(f.startswith(f"{url} version {number}:") and named in f for f in report.failures), (
        report.failures
    )


def test_two_versions_swapped_fail_verify(history, config, site):
    url = fire_url(site)
    one, two = version_id(config, url, 1), version_id(config, url, 2)
    tamper(config, "UPDATE versions SET number = 99 WHERE id = :v", v=one)
    tamper(config, "UPDATE versions SET number = 1 WHERE id = :v", v=two)
    tamper(config, "UPDATE versions SET number = 2 WHERE id = :v", v=one)
    failures = audit(config, history).failures
    assert any(f.startswith(f"{url} version 1:") for f in failures), failures
    assert any(f.startswith(f"{url} version 2:") for f in failures), failures


def test_a_version_moved_to_another_article_fails_verify(history, config, site):
    url, other = fire_url(site), site.url("/news/school-closures")
    with transaction(ensure_schema(config.database_url)) as session:
        target = session.scalar(select(Article.id).where(Article.url == other))
    tamper(
        config,
        "UPDATE versions SET article_id = :a, number = 1 WHERE id = :v",
        a=target,
        v=version_id(config, url, 2),
    )
    failures = audit(config, history).failures
    assert any(f.startswith(f"{other} version 1:") and "moved" in f for f in failures), failures


def test_a_checkpoint_with_another_root_or_another_key_fails_verify(history, config, tmp_path):
    with transaction(ensure_schema(config.database_url)) as session:
        row = session.scalar(select(LedgerCheckpoint))
        original_root = row.root
        row.root = "00" * 32
    failures = audit(config, history).failures
    assert any("its root is not the root" in f for f in failures), failures
    assert any("signature does not verify" in f for f in failures), failures

    stranger = load_or_create_key(tmp_path / "stranger.key")
    with transaction(ensure_schema(config.database_url)) as session:
        row = session.scalar(select(LedgerCheckpoint))
        forged = sign_checkpoint(
            stranger, row.tree_size, bytes.fromhex(original_root), row.created_at
        )
        row.root, row.signature = (
            original_root,
            __import__("base64").b64encode(forged.signature).decode(),
        )
        row.signed_time = forged.time
    failures = audit(config, history).failures
    assert [f for f in failures if "signature does not verify" in f], failures
    assert not [f for f in failures if "its root is not" in f]


def test_a_deleted_leaf_and_a_rewritten_leaf_fail_verify(history, config, site):
    with transaction(ensure_schema(config.database_url)) as session:
        session.execute(
            update(LedgerLeaf).where(LedgerLeaf.leaf_index == 1).values(record_hash="11" * 32)
        )
    failures = audit(config, history).failures
    assert any("differs from leaf 1" in f for f in failures), failures
    assert any("its root is not the root" in f for f in failures), failures


@pytest.mark.sqlite_only
def test_cli_proof_verifies_with_the_public_key_alone_and_any_changed_byte_fails(
    history, config, site, tmp_path
):
    env = {
        **cli_env(tmp_path),
        "NEWSMON_DATABASE_URL": config.database_url,
        "NEWSMON_LEDGER_KEY": str(tmp_path / "ledger.key"),
    }
    url = fire_url(site)
    shown = newsmon(tmp_path, "key", "show", env=env)
    public = shown.stdout.split("public key:")[1].split()[0]
    assert public == public_key_b64(history.public_key())

    made = newsmon(tmp_path, "proof", url, "1", "-o", str(tmp_path / "p.json"), env=env)
    assert made.returncode == 0, made.stderr
    checked = newsmon(tmp_path, "verify-proof", str(tmp_path / "p.json"), "--key", public, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{url} version 1" in checked.stdout

    proof = json.loads((tmp_path / "p.json").read_text())
    assert proof["record"]["article_url"] == url and proof["record"]["version"] == 1
    article_id = json.loads(newsmon(tmp_path, "articles", "--json", env=env).stdout)[0]["id"]
    by_id = newsmon(tmp_path, "proof", str(article_id), "1", env=env)  # the id names it too
    assert by_id.returncode == 0 and json.loads(by_id.stdout)["record"] == proof["record"]
    forged = dict(proof, text=proof["text"].replace("night 1", "night 7"))
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    refused = newsmon(
        tmp_path, "verify-proof", str(tmp_path / "forged.json"), "--key", public, env=env
    )
    assert refused.returncode == 1 and "text" in refused.stdout

    verified = newsmon(tmp_path, "verify", env=env)
    assert verified.returncode == 0 and verified.stdout.strip().endswith("ok"), verified.stdout
    tamper(
        config,
        "UPDATE versions SET byline = 'Someone else' WHERE id = :v",
        v=version_id(config, url, 2),
    )
    failed = newsmon(tmp_path, "verify", "--url", url, env=env)
    assert failed.returncode == 1
    assert f"FAILED {url} version 2:" in failed.stdout


def test_versions_stored_before_the_ledger_are_chained_at_upgrade_and_say_so(
    history, config, clock, tmp_path, site
):
    """An upgraded database: the ledger columns empty, as migration 0008 leaves them."""
    with transaction(ensure_schema(config.database_url)) as session:
        session.execute(text("DELETE FROM ledger_checkpoints"))
        session.execute(text("DELETE FROM ledger_leaves"))
        session.execute(
            update(Version).values(
                record_hash=None, record_url=None, raw_sha256=None, chained="upgrade"
            )
        )
    key = ledger_key_at(tmp_path)
    with transaction(ensure_schema(config.database_url)) as session:
        assert write_checkpoint(session, key, now=clock.now()).tree_size == 4
    report = audit(config, key)
    assert report.failures == [] and report.unchained == 4
    with transaction(ensure_schema(config.database_url)) as session:
        assert set(session.scalars(select(Version.chained))) == {"upgrade"}


def ledger_key_at(folder: Path):
    return load_or_create_key(folder / "ledger.key")


def test_the_service_key_setting_names_the_file(config, tmp_path):
    key_path = tmp_path / "nested" / "k.pem"
    key = ledger_key(config.model_copy(update={"ledger_key": str(key_path)}))
    assert key_path.stat().st_mode & 0o777 == 0o600
    assert key.public_key() is not None


def test_the_first_version_is_leaf_0_and_is_signed_on_its_own(
    site, crawler, add_feed, clock, config, tmp_path
):
    site.publish(story("lone-story"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    key = ledger_key_at(tmp_path)
    with transaction(ensure_schema(config.database_url)) as session:
        first = write_checkpoint(session, key, now=clock.now())
        assert first is not None and first.tree_size == 1
        assert write_checkpoint(session, key, now=clock.now()) is None  # nothing new to sign
    assert audit(config, key).failures == []

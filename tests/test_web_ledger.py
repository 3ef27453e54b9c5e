"""The ledger's public surfaces over a database filled by real crawls, on both databases.

A third party holds only what the web app serves: the checkpoints JSON (with the public
key), a version's proof and a consistency proof. Each is checked here the way that party
would check it, with the pure verifiers of `newsmon.ledger` and nothing from the database.
"""

from __future__ import annotations

import csv
import io
import json
import re

import jsonschema
import pytest
from sqlalchemy import select, update
from warcio.archiveiterator import ArchiveIterator

from newsmon.crawl.checkpoints import ledger_key
from newsmon.ledger.checkpoint import Checkpoint, verify_checkpoint
from newsmon.ledger.keys import load_public_key, public_key_b64
from newsmon.ledger.log import write_checkpoint
from newsmon.ledger.merkle import verify_consistency
from newsmon.ledger.proof import verify_proof
from newsmon.read.export import Selection, stream_versions, write_csv, write_jsonl
from newsmon.read.warc import write_warc
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Article, Version
from tests.web_fixtures import web_client

UPGRADE_WORDS = "chained when the ledger was introduced, not at capture"
UNSIGNED_WORDS = "not yet in a signed checkpoint"


@pytest.fixture
def config(config, tmp_path):
    """The suite's settings with the ledger key in this test's folder."""
    return config.model_copy(update={"ledger_key": str(tmp_path / "ledger.key")})


def sign(config, clock) -> int:
    with transaction(ensure_schema(config.database_url)) as session:
        row = write_checkpoint(session, ledger_key(config), now=clock.now())
        assert row is not None
        return row.tree_size


@pytest.fixture
def ledger(site, crawler, add_feed, clock, config, db):
    """The web client after: quiet-council stored before the ledger existed, a first
    checkpoint, a new river-pollution version and a second checkpoint, then one more
    river-pollution version that no checkpoint covers yet."""
    with web_client(site, crawler, add_feed, clock, config, db) as client:
        with transaction(ensure_schema(config.database_url)) as session:
            session.execute(
                update(Version)
                .where(Version.article_id == client.ids["quiet-council"])
                .values(record_hash=None, record_url=None, raw_sha256=None, chained="upgrade")
            )
        client.sizes = [sign(config, clock)]  # type: ignore[attr-defined]
        for n in (1, 2):
            clock.advance(hours=1)
            site.edit("river-pollution", paragraph=(2, f"Inspectors returned {n} times."))
            assert crawler.once(everything=True).articles_changed == 1
            if n == 1:
                client.sizes.append(sign(config, clock))  # type: ignore[attr-defined]
        client.key = ledger_key(config)  # type: ignore[attr-defined]
        yield client


def test_checkpoints_json_lists_signed_checkpoints_that_verify_with_the_key_it_names(ledger):
    answer = ledger.get("/ledger/checkpoints.json")
    assert answer.status_code == 200
    body = answer.json()
    assert body["public_key"] == public_key_b64(ledger.key.public_key())
    public = load_public_key(body["public_key"])
    checkpoints = [Checkpoint.from_json(c) for c in body["checkpoints"]]
    assert [c.size for c in checkpoints] == ledger.sizes  # oldest first
    assert all(verify_checkpoint(c, public) for c in checkpoints)
    assert {c.key_id for c in checkpoints} == {body["key_id"]}

    etag = answer.headers["etag"]
    again = ledger.get("/ledger/checkpoints.json", headers={"If-None-Match": etag})
    assert again.status_code == 304

    api = ledger.get("/api/ledger/checkpoints")
    assert api.json() == body
    spec = ledger.get("/api/openapi.json").json()
    schema = spec["paths"]["/api/ledger/checkpoints"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    jsonschema.validate(api.json(), {**schema, "components": spec["components"]})


def test_a_proof_fetched_over_http_verifies_and_a_forged_one_does_not(ledger):
    public = load_public_key(ledger.get("/ledger/checkpoints.json").json()["public_key"])
    river = ledger.ids["river-pollution"]
    for article, number in ((river, 1), (river, 3), (ledger.ids["quiet-council"], 0)):
        answer = ledger.get(f"/articles/{article}/versions/{number}/proof.json")
        assert answer.status_code == 200, answer.text
        proof = answer.json()
        assert verify_proof(proof, public) == []
        assert proof["record"]["version"] == number
    forged = dict(proof, text=proof["text"] + " (softened)")
    assert verify_proof(forged, public) != []

    unsigned = ledger.get(f"/articles/{river}/versions/4/proof.json")
    assert unsigned.status_code == 404
    assert UNSIGNED_WORDS in unsigned.json()["detail"]
    assert ledger.get(f"/articles/{river}/versions/9/proof.json").status_code == 404


def test_a_consistency_proof_between_two_checkpoints_verifies(ledger):
    held = ledger.get("/ledger/checkpoints.json").json()["checkpoints"]
    old, new = (Checkpoint.from_json(c) for c in held)
    answer = ledger.get("/api/ledger/consistency", params={"from": old.size, "to": new.size})
    assert answer.status_code == 200, answer.text
    path = [bytes.fromhex(h) for h in answer.json()["proof"]]
    assert path and verify_consistency(old.size, new.size, old.root, new.root, path)
    assert not verify_consistency(old.size, new.size, b"\0" * 32, new.root, path)

    missing = ledger.get("/api/ledger/consistency", params={"from": 1, "to": new.size})
    assert missing.status_code == 404 and "no checkpoint" in missing.json()["detail"]


def test_the_article_page_shows_record_hashes_proofs_and_the_upgrade_wording(ledger, db):
    river = ledger.ids["river-pollution"]
    db.expire_all()
    hashes = db.scalars(
        select(Version.record_hash).where(Version.article_id == river).order_by(Version.number)
    ).all()
    html = ledger.get(f"/articles/{river}").text
    for full in hashes:
        assert f'<code title="{full}">{full[:12]}…</code>' in html
    for number in range(4):
        assert f'href="/articles/{river}/versions/{number}/proof.json"' in html
    assert f"/articles/{river}/versions/4/proof.json" not in html
    assert html.count(UNSIGNED_WORDS) == 1
    assert UPGRADE_WORDS not in html

    quiet = ledger.get(f"/articles/{ledger.ids['quiet-council']}").text
    assert UPGRADE_WORDS in re.sub(r"\s+", " ", quiet)


def test_exports_carry_record_hashes_and_the_first_covering_checkpoint(ledger, config):
    with transaction(ensure_schema(config.database_url)) as session:
        stored = {
            (url, v.number): v.record_hash
            for url, v in session.execute(select(Article.url, Version).join(Version.article))
        }
        lines = io.StringIO()
        list(write_jsonl(stream_versions(session, Selection()), lines))
        table = io.StringIO()
        list(write_csv(stream_versions(session, Selection()), table))
        warc = io.BytesIO()
        list(write_warc(stream_versions(session, Selection(), raw=True), warc))
    signed = ledger.get("/ledger/checkpoints.json").json()["checkpoints"]
    first, second = ({k: c[k] for k in ("size", "root", "time")} for c in signed)

    articles = {a["url"]: a for a in map(json.loads, lines.getvalue().splitlines())}
    for article in articles.values():
        for v in article["versions"]:
            assert v["record_hash"] == stored[(article["url"], v["number"])]
    river = articles[next(u for u in articles if u.endswith("/river-pollution"))]["versions"]
    assert [v["checkpoint"] for v in river] == [first, first, first, second, None]
    assert {v["chained"] for v in river} == {"capture"}
    quiet = articles[next(u for u in articles if u.endswith("/quiet-council"))]["versions"]
    assert [v["chained"] for v in quiet] == ["upgrade"]

    rows = list(csv.reader(io.StringIO(table.getvalue())))
    assert rows[0][-2:] == ["text", "record_hash"]
    by_key = {(r[2], int(r[4])): r[-1] for r in rows[1:]}
    assert by_key == stored

    warc.seek(0)
    meta = [
        json.loads(r.content_stream().read())
        for r in ArchiveIterator(warc)
        if r.rec_type == "metadata"
    ]
    assert {(m["url"], m["version"]): m["record_hash"] for m in meta} == stored
    assert all(m["checkpoint"] in (first, second, None) for m in meta)

"""`newsmon verify`, `proof`, `verify-proof` and `key show`: the ledger from a shell."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from newsmon.cli.common import Context, fail, pass_ctx
from newsmon.core.clock import SystemClock
from newsmon.core.terminal import safe
from newsmon.crawl.checkpoints import ledger_key
from newsmon.ledger.audit import Scope, lines, verify
from newsmon.ledger.keys import (
    KeyFileError,
    key_id,
    load_public_key,
    public_key_b64,
    public_key_pem,
)
from newsmon.ledger.log import is_covered, write_checkpoint
from newsmon.ledger.proof import verify_proof
from newsmon.ledger.published import version_proof
from newsmon.read.queries import require_article, version_of
from newsmon.storage.db import transaction


def _key(ctx: Context) -> Ed25519PrivateKey:
    try:
        return ledger_key(ctx.config)
    except KeyFileError as exc:
        fail(str(exc))


@click.command("verify")
@click.option("--source", default=None, help="Check only this source's articles.")
@click.option("--url", default=None, help="Check only the article seen under this URL.")
@pass_ctx
def verify_cmd(ctx: Context, source: str | None, url: str | None) -> None:
    """Recompute every hash, chain link, Merkle root, signature and timestamp; exit 1 on
    any failure, naming the article URL and version."""
    public = _key(ctx).public_key()
    with transaction(ctx.engine()) as session:
        report = verify(session, public, Scope(source=source, url=url))
    for line in lines(report):
        click.echo(safe(line))
    if report.failures:
        sys.exit(1)


@click.command("proof")
@click.argument("ref", metavar="ARTICLE")
@click.argument("number", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@pass_ctx
def proof_cmd(ctx: Context, ref: str, number: int, output: str | None) -> None:
    """A self-contained JSON proof that version NUMBER of ARTICLE (its id, or any URL it
    was seen under) is in the signed log (a checkpoint is signed first if none covers it)."""
    key = _key(ctx)
    with transaction(ctx.engine()) as session:
        article = require_article(session, ref)
        url = article.url
        version = version_of(session, article.id, number)
        if version.record_hash is None or not is_covered(session, version.id):
            write_checkpoint(session, key, now=SystemClock().now())
        proof = version_proof(session, version, article)
        if proof is None:
            fail(f"{url} version {number} is not sealed in the ledger")
    text = json.dumps(proof, indent=2, ensure_ascii=False) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"proof of {safe(url)} version {number} written to {safe(output)}")
    else:
        click.echo(text, nl=False)


@click.command("verify-proof")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--key", "key_text", required=True, help="The ledger's public key (base64 or PEM).")
def verify_proof_cmd(file: str, key_text: str) -> None:
    """Check a proof file with the public key alone: no database needed."""
    try:
        public = load_public_key(key_text)
    except ValueError as exc:
        fail(f"bad public key: {exc}")
    try:
        proof = json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail(f"{file} is not a JSON proof: {exc}")
    problems = verify_proof(proof, public)
    for problem in problems:
        click.echo(f"FAILED {safe(problem)}")
    if problems:
        sys.exit(1)
    record = proof["record"]
    click.echo(
        f"ok: {safe(record['article_url'])} version {record['version']} captured "
        f"{record['captured_at']} is leaf {proof['leaf_index']} of the log signed at "
        f"{proof['checkpoint']['time']} (size {proof['checkpoint']['size']})"
    )


@click.group("key")
def key_group() -> None:
    """The ledger's signing key."""


@key_group.command("show")
@click.option("--pem", is_flag=True, help="Print the public key as PEM.")
@pass_ctx
def key_show(ctx: Context, pem: bool) -> None:
    """Print the public key to publish, so others can check checkpoints and proofs."""
    public = _key(ctx).public_key()
    if pem:
        click.echo(public_key_pem(public), nl=False)
        return
    click.echo(f"public key: {public_key_b64(public)}")
    click.echo(f"key id:     {key_id(public)}")
    click.echo(f"key file:   {safe(str(Path(ctx.config.ledger_key).expanduser().resolve()))}")

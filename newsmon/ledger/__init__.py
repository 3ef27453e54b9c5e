"""The pure core of newsmon's tamper-evident ledger: records, Merkle log, checkpoints, proofs.

No database and no network here; the store feeds these functions and keeps what they return.

How a version becomes evidence
------------------------------
1. Record. Each stored version gets a `VersionRecord` (record.py): the article's URL, the URL
   the page was fetched from, version number, capture time, headline, byline, SHA-256 of
   the text, SHA-256 of the raw page bytes, extractor tag and the previous version's record
   hash ("" for version 0). Its record hash is SHA-256 of the record as canonical JSON (keys
   sorted, no whitespace, UTF-8, non-ASCII unescaped: RFC 8785 for these values), so each
   article's versions form a hash chain.
2. Log. Every record hash, in capture order, is a leaf of one append-only Merkle tree built as
   in RFC 6962 / RFC 9162 (Certificate Transparency): leaf = SHA-256(0x00 || record hash),
   node = SHA-256(0x01 || left || right), a tree of n leaves split at the largest power of
   two below n; the empty tree's root is SHA-256 of nothing (merkle.py, tree.py).
3. Checkpoint. The log's size, root and time are signed with the ledger's Ed25519 key over
   the text "newsmon-ledger\\n<size>\\n<base64 root>\\n<RFC 3339 UTC time>\\n"
   (checkpoint.py, keys.py).
4. Timestamp. Optionally, RFC 3161 authorities stamp SHA-256 of that same text; the DER tokens
   travel with the checkpoint (timestamp.py). A token shows the checkpoint existed by the
   token's time, and so every version it includes.
5. Growth. A consistency proof (RFC 9162 2.1.4) shows a later checkpoint's tree extends an
   earlier one's: whoever kept an old checkpoint can check that no leaf was rewritten.

Verifying a proof yourself
--------------------------
A proof (proof.py) is JSON with `record` (the fields above plus "format"), `text`,
`record_hash`, `leaf_index`, `inclusion_path` (hex hashes, the leaf's sibling first) and
`checkpoint` (`size`, `root` in hex, `time`, `signature` and `timestamps` in base64). With
the ledger's public key (base64 of the raw 32 bytes) it checks out when: SHA-256 of the
UTF-8 text equals record.text_sha256; SHA-256 of the canonical record JSON equals
record_hash; the inclusion path leads from the leaf to checkpoint.root by RFC 9162
2.1.3.2; and the signature verifies over the checkpoint text. This script does all four
with nothing but Python and the `cryptography` package (timestamp tokens are left to an
RFC 3161 tool, e.g. `openssl ts -verify -digest <SHA-256 of the checkpoint text>`):

# --- verify_newsmon_proof.py: python3 verify_newsmon_proof.py PROOF.json PUBLIC_KEY_B64
import base64, hashlib, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

proof, key = json.load(open(sys.argv[1], encoding="utf-8")), sys.argv[2]
rec, cp = proof["record"], proof["checkpoint"]
sha = lambda data: hashlib.sha256(data).digest()
assert sha(proof["text"].encode()).hex() == rec["text_sha256"], "text"
canon = json.dumps(rec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
assert sha(canon.encode()).hex() == proof["record_hash"], "record hash"
index, size = proof["leaf_index"], cp["size"]
fn, sn, h = index, size - 1, sha(b"\\0" + bytes.fromhex(proof["record_hash"]))
assert 0 <= index < size, "index"
for sibling in map(bytes.fromhex, proof["inclusion_path"]):
    assert sn > 0, "path too long"
    if fn & 1 or fn == sn:
        h = sha(b"\\1" + sibling + h)
        while not fn & 1 and fn:
            fn, sn = fn >> 1, sn >> 1
    else:
        h = sha(b"\\1" + h + sibling)
    fn, sn = fn >> 1, sn >> 1
assert sn == 0 and h.hex() == cp["root"], "inclusion"
root64 = base64.b64encode(bytes.fromhex(cp["root"])).decode()
note = f"newsmon-ledger\\n{size}\\n{root64}\\n{cp['time']}\\n".encode()
Ed25519PublicKey.from_public_bytes(base64.b64decode(key)).verify(
    base64.b64decode(cp["signature"]), note)  # raises InvalidSignature if forged
print("OK", rec["article_url"], "version", rec["version"], "captured", rec["captured_at"])
# --- end
"""

"""What an encoding's name says about its bytes. Pure, cached by name.

Readers that look at a page's raw bytes instead of decoding it: the crawl's meta-refresh
check (sound only where an ASCII character is always its own byte), and the fast path,
which hands a UTF-8 page's bytes to its parser as they are.
"""

from __future__ import annotations

import codecs
import functools


@functools.lru_cache(maxsize=64)
def codec_name(encoding: str | None) -> str | None:
    """Python's name for `encoding` ("latin-1" -> "iso8859-1"); None when it has none."""
    if not encoding:
        return None
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def ascii_transparent(encoding: str | None) -> bool:
    """Whether text in `encoding` has each ASCII character (controls included) as its own
    byte and no other bytes decode to ASCII: UTF-8 and the single-byte ASCII supersets
    (not UTF-16 or -32, EBCDIC, nor the shifting East Asian encodings)."""
    name = codec_name(encoding)
    return name is not None and (
        name in ("utf-8", "ascii") or name.startswith(("iso8859-", "cp125"))
    )

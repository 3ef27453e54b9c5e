"""Feed documents made safe for feedparser: characters XML forbids removed before parsing.

One `&#xD800;` makes feedparser raise and lose every entry; a NUL or `&#0;` makes
the document ill-formed. Such characters are never text anyone meant to publish,
so they go here, as bytes, before the parser sees them. Valid text is untouched:
only character references to forbidden code points and raw control bytes in
ASCII-compatible documents are removed.
"""

from __future__ import annotations

import re

_REFERENCE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_SURROGATE_PAIR = re.compile(
    rb"&#(?:[xX](d[89ab][0-9a-f]{2})|(5[56][0-9]{3}));&#(?:[xX](d[c-f][0-9a-f]{2})|(5[67][0-9]{3}));",
    re.IGNORECASE,
)
# Raw C0 controls XML forbids; ESC (0x1b) stays, ISO-2022-JP documents need it.
_RAW_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f]")
_WIDE_STARTS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"<\x00", b"\x00<")


def forbidden_in_xml(code: int) -> bool:
    """True for code points XML 1.0 cannot carry: most C0 controls, surrogates, U+FFFE/F."""
    if code < 0x20:
        return code not in (0x09, 0x0A, 0x0D)
    return 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF) or code > 0x10FFFF


def _code(hex_digits: bytes | None, decimal: bytes | None) -> int:
    return int(hex_digits, 16) if hex_digits else int(decimal or b"0")


def _pair(match: re.Match[bytes]) -> bytes:
    """`&#xD83D;&#xDE00;` (an emoji escaped the JavaScript way) becomes one real reference."""
    high = _code(match[1], match[2])
    low = _code(match[3], match[4])
    if not (0xD800 <= high <= 0xDBFF and 0xDC00 <= low <= 0xDFFF):
        return match[0]
    return b"&#x%X;" % (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


def sanitize_document(body: bytes) -> tuple[bytes, int]:
    """The document without references to forbidden characters and raw control bytes.

    Returns the cleaned bytes and how many characters were removed. Lone
    surrogate references become U+FFFD, so the loss stays visible. UTF-16 and
    UTF-32 documents keep their raw bytes (their NULs are text).
    """
    removed = 0

    def reference(match: re.Match[bytes]) -> bytes:
        nonlocal removed
        code = _code(match[1], match[2])
        if not forbidden_in_xml(code):
            return match[0]
        removed += 1
        return b"&#xFFFD;" if 0xD800 <= code <= 0xDFFF else b""

    body = _SURROGATE_PAIR.sub(_pair, body)
    body = _REFERENCE.sub(reference, body)
    if not body.startswith(_WIDE_STARTS):
        body, count = _RAW_CONTROLS.subn(b"", body)
        removed += count
    return body, removed

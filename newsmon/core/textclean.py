"""Text cleaning at the boundary: strings from the web become text every database and XML accept.

PostgreSQL refuses NUL in text, XML 1.0 forbids most control characters and
noncharacters, and a lone surrogate cannot be encoded as UTF-8 at all. Cleaning
once where strings enter lets everything inside assume clean text.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline (CR is handled first), DEL stays: XML allows it.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# Noncharacters XML 1.0 forbids: U+FFFE, U+FFFF (the other noncharacters are legal XML).
_NONCHARACTERS = re.compile(r"[\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"\s*\n\s*")


def clean_text(value: str) -> str:
    """Remove NUL and C0 controls (tab and newline stay, CR becomes newline).

    Lone surrogates become U+FFFD, so the loss is visible rather than silent;
    U+FFFE and U+FFFF are dropped.
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROLS.sub("", value)
    value = _SURROGATES.sub("\ufffd", value)
    return _NONCHARACTERS.sub("", value)


def clean_line(value: str) -> str:
    """clean_text for one-line fields (titles, bylines, URLs): newlines fold to one space."""
    return _LINE_BREAKS.sub(" ", clean_text(value)).strip()


def clean_optional(value: object) -> str | None:
    """clean_line for a field that may be missing or not a string at all; empty becomes None."""
    if not isinstance(value, str):
        return None
    return clean_line(value) or None

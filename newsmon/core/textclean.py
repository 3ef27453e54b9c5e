"""Text cleaning at the boundary: strings from the web become text every database and XML accept.

PostgreSQL refuses NUL in text, XML 1.0 forbids most control characters and
noncharacters, and a lone surrogate cannot be encoded as UTF-8 at all. Bidi
controls are invisible yet reorder what a reader sees (a U+202E in a headline
reverses the rest of it in every page, feed reader and terminal that shows it),
so they go too. Cleaning once where strings enter lets everything inside assume
clean text.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline (CR is handled first), DEL stays: XML allows it.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the
# directional marks (U+200E, U+200F, U+061C): they change the order text is shown in,
# never its words, so a stored headline must not carry them out to feeds and the API.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# Noncharacters XML 1.0 forbids: U+FFFE, U+FFFF (the other noncharacters are legal XML).
_NONCHARACTERS = re.compile(r"[\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"\s*\n\s*")


def clean_text(value: str) -> str:
    """Remove NUL, C0 controls and bidi controls (tab and newline stay, CR becomes newline).

    Lone surrogates become U+FFFD, so the loss is visible rather than silent;
    U+FFFE and U+FFFF are dropped.
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROLS.sub("", value)
    value = _BIDI.sub("", value)
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

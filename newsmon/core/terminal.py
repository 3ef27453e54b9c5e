"""Text for a terminal: web strings made inert, and diffs coloured on a terminal.

Everything the CLI prints that came from the web (titles, URLs, article text, feed
errors) goes through `safe()`, so a publisher cannot move the cursor, retitle the
window or clear the screen of the operator who lists their articles.
"""

from __future__ import annotations

import json
import re
from typing import Any

# ESC (and 8-bit C1) sequences: CSI ... final byte, OSC/DCS/APC/PM/SOS ... BEL or ST,
# and two-byte escapes; then any C0/C1 control left, and bidi overrides that reorder text.
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_IN_JSON = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: object, *, multiline: bool = False) -> str:
    """`text` without escape sequences or control characters; one line unless `multiline`."""
    cleaned = _CONTROLS.sub("", _SEQUENCES.sub("", str(text)))
    if multiline:
        return cleaned.replace("\r", "")
    return " ".join(cleaned.replace("\t", " ").splitlines())


def safe_json(data: Any, **kwargs: Any) -> str:
    """JSON for a terminal: C0 controls are escaped by json itself, C1 and bidi here."""
    text = json.dumps(data, ensure_ascii=False, **kwargs)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", text)

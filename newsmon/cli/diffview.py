"""A word diff for a terminal: one paragraph a line, coloured or marked with [-…-] {+…+}."""

from __future__ import annotations

from newsmon.core.terminal import safe
from newsmon.record.diff import Span, TextDiff

RED, GREEN, DIM, RESET = "\x1b[31;9m", "\x1b[32;4m", "\x1b[2m", "\x1b[0m"


def _spans(spans: tuple[Span, ...], color: bool) -> str:
    out = []
    for span in spans:
        text = safe(span.text)
        if span.op == "equal":
            out.append(text)
        elif color:
            out.append(f"{RED if span.op == 'delete' else GREEN}{text}{RESET}")
        else:
            out.append(f"[-{text}-]" if span.op == "delete" else f"{{+{text}+}}")
    return "".join(out)


def render_diff(diff: TextDiff, *, color: bool, context: bool = False) -> str:
    """Inline word diff, one paragraph a line; unchanged paragraphs only with `context`."""
    lines = [f"headline: {_spans(diff.title.inline, color)}", ""]
    for row in diff.rows:
        if row.kind == "equal":
            if context:
                text = safe(row.new[0].text) if row.new else ""
                lines.append(f"{DIM}{text}{RESET}" if color else f"  {text}")
            continue
        marker = {"added": "+", "removed": "-", "changed": "~"}[row.kind]
        lines.append(f"{marker} {_spans(row.inline, color)}")
    lines.append("")
    lines.append(f"{diff.words_added} words added, {diff.words_removed} removed")
    return "\n".join(lines)

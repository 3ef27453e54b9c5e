"""The story as the page's structured data states it: JSON-LD `articleBody`, a framework payload.

Script-rendered pages (Next.js's `__NEXT_DATA__`, other `application/json` islands)
ship the story as data and build the visible text from it in the browser; JSON-LD
`articleBody` repeats it for search engines. Neither is shown as such, so neither is
trusted as text when the page itself shows a story (`newsmon.extract.page` decides
that): these functions only read the data, as plain text, never as markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from lxml.html import HtmlElement, fragment_fromstring

from newsmon.core.fingerprint import normalize_text

_PROSE_WORDS = 8  # a string of fewer words is a label, a slug or a caption, not a paragraph
_SENTENCE = re.compile(r"[.!?。！？…\"”»]\s*$|[.!?。！？]\s")
_MARKUP = re.compile(r"<(p|div|br|h[1-6]|li|blockquote)\b", re.IGNORECASE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_MAX_DEPTH = 40
_MAIN_SHARE = 0.8  # the payload's story: the deepest node holding this share of its prose


def _as_text(value: str) -> str:
    """A string's text, paragraph per line: HTML in a payload is read as text, never kept."""
    if _MARKUP.search(value):
        try:
            root = fragment_fromstring(value, create_parent="div")
        except Exception:  # lxml raises several kinds on broken fragments
            return normalize_text(re.sub(r"<[^>]*>", " ", value))
        for block in root.iter("p", "div", "li", "h1", "h2", "h3", "h4", "blockquote", "br"):
            block.tail = "\n" + (block.tail or "")
        return normalize_text(root.text_content())
    return normalize_text(value)


def _is_prose(text: str) -> bool:
    if _CJK.search(text):
        return len(text) >= 2 * _PROSE_WORDS and bool(_SENTENCE.search(text + " "))
    return len(text.split()) >= _PROSE_WORDS and bool(_SENTENCE.search(text + " "))


def jsonld_body(articles: list[dict]) -> str:
    """The first article object's `articleBody` (or `text`), as plain text."""
    for obj in articles:
        for key in ("articleBody", "text"):
            value = obj.get(key)
            if isinstance(value, str) and value.strip():
                return _as_text(value)
    return ""


def payload_scripts(tree: HtmlElement) -> list[str]:
    """The text of the page's data islands (`__NEXT_DATA__`, `application/json` scripts),
    kept before scripts are removed and parsed only if the page shows no story."""
    found = []
    for script in tree.iter("script"):
        kind = (script.get("type") or "").strip().lower()
        if kind == "application/json" or script.get("id") == "__NEXT_DATA__":
            found.append(script.text or "")
    return found


def _payloads(scripts: list[str]) -> Iterator[object]:
    for text in scripts:
        try:
            yield json.loads(text)
        except (ValueError, RecursionError):
            continue


def _prose(data: object, depth: int, found: list[tuple[int, str]]) -> int:
    """Collect (depth, text) of prose strings under `data`; return their characters."""
    if depth > _MAX_DEPTH:
        return 0
    if isinstance(data, str):
        text = _as_text(data)
        if _is_prose(text):
            found.append((depth, text))
            return len(text)
        return 0
    children = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    return sum(_prose(child, depth + 1, found) for child in children)


def _story_node(data: object, total: int, depth: int = 0) -> object:
    """The deepest node that still holds `_MAIN_SHARE` of the payload's prose."""
    if depth > _MAX_DEPTH:
        return data
    children = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    for child in children:
        if _prose(child, 0, []) >= _MAIN_SHARE * total:
            return _story_node(child, total, depth + 1)
    return data


def payload_body(scripts: list[str]) -> str:
    """The story in the page's framework payload: its prose strings, in order, as text."""
    best = ""
    for data in _payloads(scripts):
        total = _prose(data, 0, [])
        if not total:
            continue
        found: list[tuple[int, str]] = []
        _prose(_story_node(data, total), 0, found)
        text = "\n".join(text for _, text in found)
        if len(text) > len(best):
            best = text
    return best

"""Per-source extraction rules: CSS selectors for a site that generic extraction misreads.

Pure functions over an lxml tree. Exclusions go first (a selected block may hold a
share bar or a newsletter box); then the body selector's blocks become the text,
one line per block element, as a reader sees the paragraphs; the title selector
gives the headline. A selector that matches nothing is an error naming it: a site
redesign must show up as failed checks, never as an empty or shrunken version.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from newsmon.core.fingerprint import normalize_line

# Elements that start a new line of text: paragraphs stay paragraphs, list items stay lines.
_BLOCKS = frozenset(
    (
        "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
        "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
    )
)  # fmt: skip
MAX_SELECTOR = 500
MAX_EXCLUDES = 50


class RuleError(ValueError):
    """A selector that is not valid CSS; the message names it."""


class RuleMiss(ValueError):
    """A selector that matched nothing on a page: that check fails, naming the selector."""


@dataclass(frozen=True)
class ExtractRules:
    """One source's selectors (plain values: they travel to the extraction processes)."""

    title_selector: str | None = None
    body_selector: str | None = None
    exclude: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any] | None:
        """What `Source.extract_rules` stores; None when there is no rule at all."""
        if not (self.title_selector or self.body_selector or self.exclude):
            return None
        return {
            "title_selector": self.title_selector,
            "body_selector": self.body_selector,
            "exclude": list(self.exclude),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ExtractRules | None:
        """Rules from the stored JSON; None when the source has none."""
        if not data:
            return None
        rules = cls(
            title_selector=data.get("title_selector") or None,
            body_selector=data.get("body_selector") or None,
            exclude=tuple(data.get("exclude") or ()),
        )
        return rules if rules.to_json() else None

    def tag(self) -> str:
        """Appended to the extractor version: another rule is another extractor, not an edit."""
        canonical = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return "+rules:" + hashlib.sha256(canonical.encode()).hexdigest()[:12]


def rules_tag(rules: ExtractRules | None) -> str:
    return rules.tag() if rules is not None else ""


def check_selector(css: str, what: str) -> str:
    """The selector, stripped, if lxml's cssselect can compile it; else RuleError naming it."""
    css = css.strip()
    if not css or len(css) > MAX_SELECTOR:
        raise RuleError(f"{what} must be a CSS selector of 1 to {MAX_SELECTOR} characters")
    try:
        CSSSelector(css)
    except (SelectorError, etree.XPathError) as exc:
        raise RuleError(f"bad {what} {css!r}: {exc}") from None
    return css


def drop_excluded(tree: HtmlElement, rules: ExtractRules) -> None:
    """Remove every element an exclude selector matches (their tails, the text after, stay)."""
    for css in rules.exclude:
        for element in CSSSelector(css)(tree):
            if element.getparent() is not None:
                element.drop_tree()


def selected_title(tree: HtmlElement, rules: ExtractRules | None) -> str | None:
    """The headline the title selector names; None without one; RuleMiss when it finds none."""
    if rules is None or not rules.title_selector:
        return None
    for element in CSSSelector(rules.title_selector)(tree):
        title = normalize_line(" ".join(element.itertext()))
        if title:
            return title
    raise RuleMiss(f"title selector {rules.title_selector!r} matched nothing")


def selected_text(tree: HtmlElement, selector: str) -> str:
    """The text of every block the body selector matches, outermost only, in page order."""
    matched = CSSSelector(selector)(tree)
    chosen = set(matched)
    outermost = [e for e in matched if not any(a in chosen for a in e.iterancestors())]
    text = "\n".join(block_text(element) for element in outermost).strip()
    if not text:
        raise RuleMiss(f"body selector {selector!r} matched nothing")
    return text


def block_text(root: HtmlElement) -> str:
    """The element's text with a line break at every block element and <br>.

    Walked iteratively (a hostile page can nest deeper than Python recurses); the
    source's own line breaks inside a paragraph are only spaces to a reader.
    """
    parts: list[str] = []
    for event, node in etree.iterwalk(root, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else None
        if event == "start":
            if tag in _BLOCKS or tag == "br":
                parts.append("\n")
            if tag and node.text:
                parts.append(node.text.replace("\n", " "))
            continue
        if tag in _BLOCKS:
            parts.append("\n")
        if node is not root and node.tail:
            parts.append(node.tail.replace("\n", " "))
    lines = (normalize_line(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)

"""The page's own statements about the article: JSON-LD, `<meta>`, the headline a reader sees.

Pure functions over a parsed lxml tree (or the fingerprint's lexbor tree, read through
newsmon.extract.storydom.LexElement). The visible headline is the article's
`<h1>`; `og:title` and `<title>` carry SEO variants and the site's name, so they
are only fallbacks, with the site's name stripped by what the page says its name
is (`og:site_name`, the JSON-LD publisher, the host), never by a list of sites.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml.etree import _Element as Element

from newsmon.core.fingerprint import normalize_line

_ARTICLE_TYPES = ("Article", "BlogPosting", "Report", "LiveBlogPosting", "WebPage")
_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " « ", " » ", " / ")
# Separators written without spaces, as CJK titles do ("…-정치ㅣ한국일보", "…｜日経"): only
# ever cut where what they set apart is the site's name or the page's section.
_TIGHT_SEPARATORS = ("|", "ㅣ", "｜", "-", "–", "—", "_", "·", "：", ":")
_KICKER_MARKS = re.compile(r"^[\s:|\-–—·•/：｜]*$")
_OUTSIDE_STORY = frozenset({"nav", "aside", "footer"})
_MAX_HEADLINE = 400
_LANDMARKS = ("meta", "link", "base", "title", "script", "h1")


@dataclass(frozen=True)
class Landmarks:
    """The elements in which a page speaks about itself, in document order, gathered in
    one walk of the tree: each reader below walked the whole tree for its own tag, five
    walks a page where one does (the fast path reads them on every check)."""

    tree: Element
    metas: tuple[Element, ...]
    links: tuple[Element, ...]
    bases: tuple[Element, ...]
    titles: tuple[Element, ...]
    scripts: tuple[Element, ...]
    h1s: tuple[Element, ...]


def landmarks(tree: Element) -> Landmarks:
    """The page's landmarks as its tree holds them now (a tree pruned later has others)."""
    found: dict[str, list[Element]] = {tag: [] for tag in _LANDMARKS}
    for element in tree.iter(*_LANDMARKS):
        found[element.tag].append(element)  # type: ignore[index]  # iter(tags): str tags
    return Landmarks(tree, *(tuple(found[tag]) for tag in _LANDMARKS))


def canonical_link(marks: Landmarks, url: str | None) -> str | None:
    """The page's `<link rel="canonical">`, made absolute against the page's URL and
    its `<base href>`, as a browser would read it. Unchecked: identity rules decide
    whether the page may be filed under it."""
    base = next((b.get("href") for b in marks.bases if b.get("href") is not None), None)
    canonicals = (k for k in marks.links if k.get("rel") == "canonical")
    href = next((k.get("href") for k in canonicals if k.get("href") is not None), None)
    href = (href or "").strip()
    if not href:
        return None
    try:
        return urljoin(urljoin(url or "", base.strip()) if base else url or "", href)
    except ValueError:  # not even a URL: identity rules would refuse it anyway
        return None


def meta_map(marks: Landmarks) -> dict[str, str]:
    """Every `<meta property|name|itemprop=key content>` of the page, the first of each key."""
    found: dict[str, str] = {}
    for meta in marks.metas:
        content = meta.get("content")
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = meta.get(attr)
            if key and key not in found:
                found[key] = content
    return found


def meta_content(metas: dict[str, str], *keys: str) -> str | None:
    """The first non-empty meta value among `keys`, in order."""
    for key in keys:
        content = normalize_line(metas.get(key) or "")
        if content:
            return content
    return None


def jsonld_articles(marks: Landmarks) -> list[dict]:
    """The page's schema.org article objects, `@graph` and lists unpacked; bad JSON ignored."""
    found: list[dict] = []
    for script in marks.scripts:
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        found.extend(obj for obj in _objects(data) if _is_article(obj))
    return found


def _objects(data: object, depth: int = 0) -> Iterator[dict]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        yield from _objects(data.get("@graph"), depth + 1)


def _is_article(obj: dict) -> bool:
    kinds = obj.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(k, str) and k.endswith(_ARTICLE_TYPES) for k in kinds)


def jsonld_value(articles: list[dict], key: str) -> str | None:
    """A string value of `key` from the first article object that has one."""
    for obj in articles:
        value = obj.get(key)
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, dict):
            value = value.get("name")
        if isinstance(value, str) and value.strip():
            return normalize_line(value)
    return None


def site_names(metas: dict[str, str], url: str | None, articles: list[dict]) -> list[str]:
    """Every name the page gives itself: og:site_name, the JSON-LD publisher, the host."""
    names = [
        meta_content(metas, "og:site_name", "application-name", "twitter:site"),
        jsonld_value(articles, "publisher"),
    ]
    host = urlsplit(url).hostname if url else None
    if host:
        labels = host.removeprefix("www.").split(".")
        names.append(labels[0] if len(labels) > 1 else host)
    return [name.removeprefix("@") for name in names if name]


def home_link_names(tree: Element, url: str | None) -> list[str]:
    """What the page calls its home page: the text or logo `alt` of links to the site's root.

    Every news site links its name to its front page (the masthead, the footer), so
    a page that declares no name still shows it there, in whatever script.
    """
    host = urlsplit(url).hostname if url else None
    names: list[str] = []
    for link in tree.iter("a"):
        href = (link.get("href") or "").strip()
        parts = urlsplit(href) if "://" in href else None
        if parts is not None and (parts.hostname != host or parts.path.strip("/")):
            continue
        if parts is None and href not in ("/", "./", "/index.html"):
            continue
        text = _text(link) or " ".join(img.get("alt", "") for img in link.iter("img")).strip()
        if text and len(text.split()) <= 5:
            names.append(text)
    return names


def page_sections(metas: dict[str, str], articles: list[dict]) -> list[str]:
    """The section the page says it is filed in ("Politik", "정치"), as titles append it."""
    sections = [meta_content(metas, "article:section"), jsonld_value(articles, "articleSection")]
    return [section for section in sections if section]


def _squash(value: str) -> str:
    return re.sub(r"[^\w]+", "", value.casefold()).removeprefix("www").removesuffix("com")


def _is_site(segment: str, names: list[str]) -> bool:
    """A title segment that names the site: "BBC News" on bbc.co.uk, "ZDNet" on zdnet.com."""
    key = _squash(segment)
    if not key or len(segment.split()) > 5:
        return False
    squashed = [_squash(n) for n in names]
    return any(n == key or (len(n) >= 3 and key.startswith(n)) for n in squashed)


def strip_site_name(
    title: str, site: str | list[str] | None, sections: tuple[str, ...] = ()
) -> str:
    """ "Headline - The Paradigm" -> "Headline": the site's name is not part of the story.

    Nor the section that some titles put before it ("…-정치ㅣ한국일보"), once the
    site's name is gone.
    """
    names = [site] if isinstance(site, str) else list(site or [])
    if not names:
        return title
    for sep in (*_SEPARATORS, *_TIGHT_SEPARATORS):
        head, found, tail = title.rpartition(sep)
        if found and head.strip() and _is_site(tail, names):
            return _strip_section(strip_site_name(head.strip(), names, sections), sections)
        head, found, tail = title.partition(sep)
        if found and tail.strip() and _is_site(head, names):
            return strip_site_name(tail.strip(), names, sections)
    return title


def _strip_section(title: str, sections: tuple[str, ...]) -> str:
    keys = {_squash(section) for section in sections} - {""}
    for sep in (*_SEPARATORS, *_TIGHT_SEPARATORS):
        head, found, tail = title.rpartition(sep)
        if found and head.strip() and _squash(tail) in keys:
            return head.strip()
    return title


def _text(element: Element) -> str:
    return normalize_line(" ".join(" ".join(element.itertext()).split()))


def headline_text(h1: Element) -> str:
    """The heading's words on one line; a kicker above the headline joined by a plain separator.

    A kicker is a heading's first child element when the heading is only elements and
    punctuation: "<span>Kultur</span> : <span>Headline</span>" reads "Kultur: Headline",
    with the page's own dash kept as " - " and a colon where it shows none.
    """
    node = h1
    while len(node) == 1 and not (node.text or "").strip() and not (node[0].tail or "").strip():
        node = node[0]
    pieces = [_text(child) for child in node]
    marks = [(node.text or ""), *((child.tail or "") for child in node)]
    if len(node) < 2 or any(not _KICKER_MARKS.match(m) for m in marks) or not all(pieces):
        return _text(h1)
    joined = pieces[0]
    for mark, piece in zip(marks[1:], pieces[1:], strict=False):
        mark = mark.strip()
        joined += f" {mark[0]} " if mark and mark[0] in "-–—|/·•" else ": "
        joined += piece
    return joined


def _overlap(a: str, b: str) -> float:
    """Share of the words of `a` that also occur in `b`."""
    words = set(re.findall(r"\w+", a.casefold()))
    return len(words & set(re.findall(r"\w+", b.casefold()))) / len(words) if words else 0.0


def visible_headline(marks: Landmarks, hint: str, names: list[str]) -> str | None:
    """The article's `<h1>`: inside the article or main content, else one that matches `hint`.

    `hint` is the page's declared title (og:title or <title>); a logo `<h1>` holding
    the site's name, or one in navigation, asides or footers, is never the headline.
    """
    scoped: list[str] = []
    loose: list[str] = []
    for h1, (outside, inside) in zip(marks.h1s, _scopes(marks.h1s), strict=True):
        text = headline_text(h1)
        if not text or len(text) > _MAX_HEADLINE or outside:
            continue
        if _squash(text) in {_squash(n) for n in names}:  # the site's logo
            continue
        (scoped if inside else loose).append(text)
    if scoped:
        return max(scoped, key=lambda t: _overlap(t, hint) > 0.5)  # first wins on a tie
    matching = [t for t in loose if _overlap(t, hint) >= 0.5]
    if matching:
        return matching[0]
    return loose[0] if len(loose) == 1 and not hint else None


def _scopes(elements: tuple[Element, ...]) -> list[tuple[bool, bool]]:
    """For each element: (inside navigation, an aside or a footer; inside the article or
    the page's main content, as the page marks them).

    Each ancestor is looked at once for all the elements: a page of headings nested
    thousands deep would otherwise cost a walk to the root per heading, quadratic in
    the page (lxml's proxies stay the same objects while the map holds them; lexbor's
    views compare by the element they show)."""
    known: dict[Element, tuple[bool, bool]] = {}
    found = []
    for element in elements:
        chain, scope = [], (False, False)
        for ancestor in element.iterancestors():
            if ancestor in known:
                scope = known[ancestor]
                break
            chain.append(ancestor)
        for ancestor in reversed(chain):
            scope = (scope[0] or ancestor.tag in _OUTSIDE_STORY, scope[1] or _marks_story(ancestor))
            known[ancestor] = scope
        found.append(scope)
    return found


def _marks_story(element: Element) -> bool:
    """The article or the page's main content, as the page marks it."""
    return (
        element.tag in ("article", "main")
        or element.get("role") == "main"
        or "Article" in (element.get("itemtype") or "")
    )


def declared_title(marks: Landmarks, metas: dict[str, str], articles: list[dict]) -> str:
    """og:title, the JSON-LD headline or `<title>`, whichever the page gives first."""
    title_el = marks.titles[0] if marks.titles else None
    return (
        meta_content(metas, "og:title", "twitter:title")
        or jsonld_value(articles, "headline")
        or (_text(title_el) if title_el is not None else "")
    )


def headline(marks: Landmarks, url: str | None, metas: dict[str, str], articles: list[dict]) -> str:
    """The headline a reader sees, or the declared title without the site's name."""
    names = site_names(metas, url, articles)
    declared = declared_title(marks, metas, articles)
    visible = visible_headline(marks, declared, names)
    if visible:
        return visible
    names += home_link_names(marks.tree, url)
    return strip_site_name(declared, names, tuple(page_sections(metas, articles)))

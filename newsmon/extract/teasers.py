"""Teasers, promos and calls to action: what points away from the story rather than telling it.

Found first by page structure, whatever the language: a short block inside the
article that is mostly a link to another page ("Lire aussi : <a>…</a>", "Mehr
zum Thema: <a>…</a>") is a teaser. Lines that survive extraction are then
matched against labels in the major European languages ("Read more:", "Leer
más:", "Publicité") and in Japanese, Chinese and Korean ("おすすめ情報", "相关阅读",
"관련기사"). Teasers rotate between requests, so each one left in the
text would count as an edit.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

# The same in Japanese, Chinese (simplified and traditional) and Korean. CJK text has
# no spaces, so a label is only one when it ends the line or a separator follows.
_CJK_LABELS = (
    r"おすすめ(情報|記事|ニュース)?|関連(記事|ニュース|情報)|あわせて読みたい|合わせて読みたい|"
    r"続きを読む|もっと見る|人気記事|アクセスランキング|注目記事|広告|スポンサーリンク|"
    r"相关(阅读|新闻|文章|报道)|相關(閱讀|新聞|文章|報導)|推荐(阅读|文章)|推薦(閱讀|文章)|"
    r"延伸阅读|延伸閱讀|热门(文章|新闻)|熱門(文章|新聞)|阅读更多|閱讀更多|查看更多|广告|廣告|"
    r"관련\s?기사|관련\s?뉴스|추천\s?기사|많이\s?본\s?(뉴스|기사)|인기\s?기사|함께\s?볼만한\s?뉴스|"
    r"광고|더보기|구독하기|공유하기"
)
# Labels that introduce a link to other content, in English, French, German,
# Spanish, Italian, Portuguese, Dutch, the Scandinavian languages and Polish.
_LABELS = (
    "("
    r"read more|see more|more on this( story)?|related( articles?| stories| coverage)?|"
    r"also (read|on [\w.]+|see)|don'?t miss|must read|recommended|watch|listen|"
    r"click here|sign up|subscribe|advertisement|sponsored|most read|trending|"
    r"top stories|latest news|you may also like|you might also like|"
    r"(à )?lire aussi|voir aussi|à voir|sur le même sujet|en savoir plus|"
    r"lesen sie (auch|mehr)|mehr zum thema|auch interessant|weiterlesen|"
    r"le(e|a) (más|también)|te puede interesar|más información|"
    r"leggi (anche|di più)|potrebbe interessarti|"
    r"leia (também|mais)|veja também|saiba mais|"
    r"lees (ook|meer)|meer over dit onderwerp|"
    r"läs (också|mer)|læs (også|mere)|les (også|mer)|czytaj (też|także|więcej)|zobacz (też|także)|"
    + _CJK_LABELS
    + ")"
)
_PROMO_PREFIX = re.compile(rf"^({_LABELS})\b[\s:|\-–—：｜▶≫]*", re.IGNORECASE)
_BARE_PROMO = re.compile(
    r"^(advertisement|advert|ad|sponsored( content)?|story continues below( advertisement)?|"
    r"continue reading( below)?|tags?:?|share( this( article| story)?)?|"
    r"(follow|like) us on .*|don'?t miss:?|related:?|read more:?|image copyright .*|"
    r"getty images|image caption .*|media caption .*|"
    r"publicité|anzeige|werbung|publicidad|pubblicità|publicidade|advertentie|annons|"
    r"reklame|reklama|partager( cet article)?|teilen|compartir|condividi|compartilhar|delen|"
    r"(à )?lire aussi|en savoir plus|lesen sie auch|mehr zum thema|jetzt abonnieren|"
    r"le(e|a) también|más información|suscríbete|abonnez-vous|leggi anche|iscriviti|saiba mais|"
    + _CJK_LABELS
    + r")[:：]?$",
    re.IGNORECASE,
)
_TEASER_TAG = re.compile(
    r"\[(INSIGHT|VIDEO|PICTURES|PICS|REVEAL|POLL|LIVE|UPDATE|REACTION|NEWS|"
    r"WARNING|ANALYSIS|LATEST|REVEALED|EXCLUSIVE)\]\s*\|?$"
)
_SOCIAL_CALL = re.compile(
    r"^(follow|like) (us|.{1,60}) on (twitter|facebook|instagram|youtube|tiktok|linkedin)|"
    r"^(like|enjoyed) this (story|article)\?|share (it|this) with a friend|"
    r"^sign up (for|to) (our|the) .{0,60}newsletter|^get (our|the) .{0,40}newsletter|"
    r"^(abonnez-vous|inscrivez-vous|abonnieren sie|melden sie sich|suscríbete|iscriviti|assine|"
    r"schrijf je in|abonner på)\b.{0,80}(newsletter|lettre|boletín|nieuwsbrief)|"
    r"^(suivez-nous|retrouvez-nous|folgen sie uns|síguenos|seguici|siga-nos|volg ons)"
    r"\b.{0,40}(twitter|facebook|instagram|youtube|tiktok|linkedin|whatsapp|telegram)",
    re.IGNORECASE,
)


def is_promo_line(line: str) -> bool:
    """A line that advertises other content rather than telling the story."""
    if _BARE_PROMO.match(line) or _TEASER_TAG.search(line) or _SOCIAL_CALL.search(line):
        return True
    match = _PROMO_PREFIX.match(line)
    # "Read more: <other headline>" is a teaser; "Watch the river rise" is prose.
    if not match or len(line) >= 200:
        return False
    separator = match.group(0)[len(match.group(1)) :]
    return any(c in separator for c in ":|-–—»›：｜▶≫")


_MAX_TEASER = 200  # characters: a teaser is a headline and a label, not a paragraph
_LABEL_WORDS = 4  # words of the label before the link ("Lire aussi :", "Mehr zum Thema:")
_HEADINGS = ("h2", "h3", "h4", "h5", "h6", "strong")
_SEPARATORS = (":", "|", "»", "›", "→", "-", "–", "—", ">")


def prune_link_teasers(tree: HtmlElement) -> int:
    """Remove short blocks inside the article that are a label and a link to another page.

    A sentence that merely contains a link keeps its words: it has more text of its
    own than a label, and no label ends in a separator before the link.

    Returns:
        How many blocks were removed.
    """
    removed = _prune_link_lists(tree)
    for block in tree.xpath(".//article//*[self::p or self::li or self::h2 or self::h3]"):
        if block.getparent() is None or _inside_removed(block, tree):
            continue
        if _is_link_teaser(block):
            block.drop_tree()
            removed += 1
    return removed


def _is_link_teaser(block: HtmlElement) -> bool:
    """ "LABEL: <a>other headline</a>": a short label ending in a separator, then links.

    The links are looked at first: most blocks of a story have none, and then the
    block's whole text need not be read.
    """
    links = [" ".join(a.text_content().split()) for a in block.iter("a") if a.get("href")]
    links = [link for link in links if link]
    if not links:
        return False
    text = " ".join(block.text_content().split())
    if not text or len(text) > _MAX_TEASER:
        return False
    if sum(map(len, links)) < 0.5 * len(text):
        return False
    if not any(_is_headline(link) for link in links):
        return False
    label, _, after = text.partition(links[0])
    for link in links[1:]:
        after = after.replace(link, " ")
    return (
        0 < len(re.findall(r"\w+", label)) <= _LABEL_WORDS
        and label.rstrip().endswith(_SEPARATORS)
        and len(re.findall(r"\w+", after)) <= 2
    )


def _prune_link_lists(tree: HtmlElement) -> int:
    """Remove lists in the article whose every item is only a link with a headline, and the
    short heading that introduces such a list: "Related", "Você pode gostar", "Lesen Sie auch".
    """
    removed = 0
    for listing in tree.xpath(".//article//ul | .//article//ol"):
        if listing.getparent() is None or _inside_removed(listing, tree):
            continue
        items = listing.findall("li")
        if len(items) < 2 or not all(_is_link_only(item) for item in items):
            continue
        heading = listing.getprevious()
        if heading is not None and heading.tag in _HEADINGS and len(heading.text_content()) < 80:
            heading.drop_tree()
        listing.drop_tree()
        removed += 1
    return removed


def _is_link_only(item: HtmlElement) -> bool:
    links = [" ".join(a.text_content().split()) for a in item.iter("a") if a.get("href")]
    text = " ".join(item.text_content().split())
    return len(links) == 1 and _is_headline(links[0]) and len(links[0]) >= 0.9 * len(text)


def _is_headline(link_text: str) -> bool:
    """A teaser links with another story's headline, not a handle, an address or one word."""
    return len(link_text.split()) >= 3 and "://" not in link_text and "@" not in link_text


def _inside_removed(element: HtmlElement, tree: HtmlElement) -> bool:
    return element.getroottree().getroot() is not tree.getroottree().getroot()

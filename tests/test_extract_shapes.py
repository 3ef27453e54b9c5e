"""Extraction of page shapes real publishers produce (issue 19 item 4), on pages written here.

Each page is built the way a kind of news site builds its pages; none is copied from
a benchmark or another project's fixtures. The story is the Pellingham pier story below.
"""

from __future__ import annotations

import html
import json

from newsmon.extract.page import STRUCTURED_TAG, extract

STORY = [
    "The harbour board met on Tuesday evening to decide the future of the old pier, which"
    " has stood since 1898 and drew crowds every summer.",
    "Engineers told the board that the timber piles were rotten below the waterline and that"
    " repairs would cost more than a new structure.",
    "Residents packed the hall, many holding photographs of the pier in its heyday, and"
    " several spoke of weddings held on its boards.",
    "The chair said no decision would be taken before a public consultation, which opens next"
    " month and runs until the end of spring.",
    "A petition to save the pier has gathered four thousand signatures, its organisers said,"
    " more than the town has households.",
    "The council's own survey last year put the cost of full restoration at two million"
    " pounds, twice the figure first estimated.",
]
MORE = [
    "Fishermen who moor beside the pier said they feared the harbour would silt up if the"
    " structure were pulled down and not replaced.",
    "The lifeboat station, which uses the pier's slipway, has asked the board for a written"
    " promise that launches will not be interrupted.",
    "A local historian told the meeting that the pier was built by subscription, with"
    " shares sold to townspeople at a pound apiece.",
    "Two councillors proposed a compromise: saving the landward half and building a floating"
    " pontoon where the rotten section now stands.",
    "The board's finance officer warned that any grant bid would take at least a year to"
    " prepare and might well be refused.",
    "The consultation documents will be available at the library and the harbour office,"
    " and online, from the first of next month.",
]
TITLE = "Harbour board delays decision on Pellingham pier"


def paragraphs(lines: list[str]) -> str:
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines)


def page(body: str, head: str = "", title: str = TITLE) -> str:
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>{head}</head><body>{body}</body></html>"
    )


def has_story(text: str, lines: list[str] = STORY) -> bool:
    return all(line in text.split("\n") for line in lines)


def test_a_story_the_parser_nests_inside_an_unclosed_aside_is_kept_whole():
    # the sidebar's </aside> is missing: the parser puts the article inside the aside
    body = (
        "<header><a href='/'>Pellingham Gazette</a></header>"
        "<aside class='sidebar'><h3>Weather</h3><p>Showers later.</p>"
        f"<main><article><h1>{TITLE}</h1>{paragraphs(STORY)}</article></main>"
        "<footer><p>© Pellingham Gazette</p></footer>"
    )
    got = extract(page(body))
    assert has_story(got.text)
    assert got.title == TITLE


def linked(line: str) -> str:
    """A paragraph whose last words link to a source, as blogs and wire stories write them."""
    words = line.split()
    head, tail = " ".join(words[:-4]), " ".join(words[-4:])
    return f"{html.escape(head)} <a href='/source'>{html.escape(tail)}</a>"


def test_precision_mode_does_not_cut_the_end_of_a_story_that_a_recall_pass_finds():
    # a CMS that wraps each paragraph in its own <div>: precision mode drops the last ones
    wrapped = "".join(f"<div class='paragraph'><p>{linked(line)}</p></div>" for line in STORY)
    related = (
        "<div class='related'><h3>More news</h3><ul><li><a href='/a'>Ferry timetable changes"
        " for winter</a></li><li><a href='/b'>Lifeboat crew called out twice</a></li></ul></div>"
    )
    body = f"<article><h1>{TITLE}</h1><div class='story-body'>{wrapped}</div></article>{related}"
    got = extract(page(body))
    assert got.text.split("\n") == STORY


def test_a_story_split_across_sibling_containers_is_joined_in_order():
    # a CMS splits the body around ad slots, each part in its own layout wrapper
    story = STORY + MORE
    ad = "<div class='ad-slot'><span>Advertisement</span></div>"
    containers = "".join(
        "<div class='row'><div class='col'><div class='article-body__inner-container'>"
        f"{paragraphs(story[i : i + 4])}</div>{ad}</div></div>"
        for i in range(0, len(story), 4)
    )
    got = extract(page(f"<article><h1>{TITLE}</h1>{containers}</article>"))
    assert got.text.split("\n") == story


def _next_data(lines: list[str]) -> str:
    payload = {
        "props": {
            "pageProps": {
                "article": {
                    "headline": TITLE,
                    "slug": "pier-decision",
                    "blocks": [{"type": "paragraph", "html": f"<p>{line}</p>"} for line in lines],
                },
                "related": [{"title": "Ferry timetable changes", "url": "/ferry"}],
            }
        }
    }
    data = json.dumps(payload).replace("<", "\\u003c")  # as frameworks write it in a script
    return f"<script id='__NEXT_DATA__' type='application/json'>{data}</script>"


def test_a_story_present_only_in_a_framework_payload_is_read_and_marked_structured():
    body = f"<div id='__next'><p>Loading…</p></div>{_next_data(STORY)}"
    got = extract(page(body))
    assert got.text.split("\n") == STORY
    assert got.extractor.endswith(STRUCTURED_TAG)


def _jsonld(text: str) -> str:
    data = {"@type": "NewsArticle", "headline": TITLE, "articleBody": text}
    return f"<script type='application/ld+json'>{json.dumps(data)}</script>"


def test_a_story_present_only_in_json_ld_article_body_is_read():
    got = extract(page("<div id='app'></div>", head=_jsonld("\n".join(STORY))))
    assert got.text.split("\n") == STORY


def test_json_ld_never_puts_invisible_text_into_a_page_that_shows_its_story():
    hidden = "The pier will be demolished next week, the board secretly agreed."
    body = f"<article><h1>{TITLE}</h1>{paragraphs(STORY)}</article>"
    got = extract(page(body, head=_jsonld("\n".join([hidden, *STORY]))))
    assert has_story(got.text)
    assert "secretly" not in got.text
    assert not got.extractor.endswith(STRUCTURED_TAG)


JA_STORY = [
    "港湾委員会は火曜日の夜、築百年を超える旧桟橋の将来について協議した。",
    "技術者は、木製の杭が水面下で腐食しており、修理費は新設を上回ると説明した。",
    "会場には多くの住民が詰めかけ、桟橋で挙げた結婚式の思い出を語る人もいた。",
]
KO_STORY = [
    "항만위원회는 화요일 저녁 오래된 부두의 미래를 결정하기 위해 회의를 열었다.",
    "기술자들은 나무 기둥이 수면 아래에서 썩어 수리비가 새 구조물보다 더 든다고 말했다.",
    "주민들이 회의장을 가득 메웠고 일부는 부두에서 올린 결혼식을 회상했다.",
]


def test_japanese_and_korean_date_and_promo_lines_are_not_story():
    ja = (
        "<article><h1>旧桟橋の存続、結論持ち越し</h1><p>2026年3月5日 14時05分 更新</p>"
        f"{paragraphs(JA_STORY)}<p>おすすめ情報</p><p>関連記事：フェリーの冬ダイヤ</p></article>"
    )
    ko = (
        "<article><h1>부두 존치 결론 미뤄</h1><p>입력 2026.03.05 14:05</p>"
        f"<p>수정 2026.03.05 오후 3:10</p>{paragraphs(KO_STORY)}<p>관련기사</p></article>"
    )
    assert extract(page(ja)).text.split("\n") == JA_STORY
    assert extract(page(ko)).text.split("\n") == KO_STORY


def test_a_kicker_is_joined_to_the_headline_with_a_plain_separator():
    for markup, expected in (
        ("<span class='kicker'>Kultur</span>\n : \n<span>Das Kino am Hafen schließt</span>",
         "Kultur: Das Kino am Hafen schließt"),
        ("<span>Eskalation im Nahen Osten </span>\n - \n<span>Waffenruhe hält</span>",
         "Eskalation im Nahen Osten - Waffenruhe hält"),
    ):  # fmt: skip
        got = extract(page(f"<article><h1>{markup}</h1>{paragraphs(STORY)}</article>"))
        assert got.title == expected


def test_a_korean_title_fallback_loses_its_section_and_site_name():
    head = (
        "<meta property='og:site_name' content='한국일보'>"
        "<meta property='article:section' content='정치'>"
    )
    body = f"<div class='content'>{paragraphs(KO_STORY)}</div>"
    got = extract(page(body, head=head, title="부두 존치 결론 미뤄-정치ㅣ한국일보"))
    assert got.title == "부두 존치 결론 미뤄"


def div_only_page(title: str = TITLE) -> str:
    """An older CMS's page: no <h1>, no author markup, no site name declared, all <div>s."""
    return page(
        "<div id='masthead'><a href='/'><img src='/logo.gif' alt='Pellingham Gazette'></a>"
        "<div class='menu'><a href='/news'>News</a> <a href='/sport'>Sport</a></div></div>"
        f"<div id='content'><div class='headline'>{html.escape(title)}</div>"
        f"<div class='story'><p><b>By Margaret Oduya</b></p>{paragraphs(STORY)}</div></div>"
        "<div id='foot'><a href='/'>Pellingham Gazette</a> · <a href='/about'>About</a></div>",
        title=f"{title} | Pellingham Gazette",
    )


def test_a_div_only_page_has_a_headline_without_the_site_name_and_no_byline_in_the_body():
    got = extract(div_only_page(), "http://127.0.0.1:8080/news/pier")
    assert got.title == TITLE
    assert got.text.split("\n") == STORY
    assert got.byline == "Margaret Oduya"


def test_a_ticker_inside_the_story_is_not_text_but_a_table_of_figures_is():
    ticker = "<p class='markets'>FTSE 100 7,012 ▲ 0.4% · GBP/USD 1.27</p>"
    table = (
        "<table><tr><th>Option</th><th>Votes</th></tr><tr><td>KEEP</td><td>4,012</td></tr>"
        "<tr><td>DEMOLISH</td><td>1,208</td></tr></table>"
    )
    inner = f"{paragraphs(STORY[:3])}{ticker}{paragraphs(STORY[3:])}{table}"
    got = extract(
        page(f"<article><h1>{TITLE}</h1><div class='article-body'>{inner}</div></article>")
    )
    assert "FTSE" not in got.text
    assert has_story(got.text) and "| KEEP | 4,012 |" in got.text


def test_a_crawled_div_only_page_is_stored_with_its_headline_alone(site, crawler, add_feed, db):
    from sqlalchemy import select

    from newsmon.storage.models import Article, Version
    from tests.newssite import story

    site.publish(story("pier-decision", title=TITLE, page_html=div_only_page()))
    add_feed("pellingham", site.url("/feeds/rss.xml"))
    crawler.once()
    stored = db.scalars(select(Version).join(Article).where(Article.url.contains("pier"))).all()
    assert [(v.title, v.byline, v.text.split("\n")) for v in stored] == [
        (TITLE, "Margaret Oduya", STORY)
    ]

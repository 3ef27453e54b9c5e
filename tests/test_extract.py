"""Extraction: the visible headline, page dates, news-specific cleanup, benchmark quality."""

from __future__ import annotations

import pickle
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trafilatura

from bench.quality import aggregate, half_of, score_page
from newsmon.extract.page import clean_body, extract, is_promo_line, strip_site_name
from tests.data import benchmark_pages, require

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_feb851bedc5f51ba.txt"


def test_promo_lines_are_recognised_and_prose_is_not():
    assert is_promo_line("READ MORE: China plague outbreak confirmed")
    assert is_promo_line("Plane passengers quarantined after outbreak [NEWS]")
    assert is_promo_line("Follow Newsbeat on Instagram, Facebook, Twitter and YouTube.")
    assert is_promo_line("Advertisement")
    assert not is_promo_line("Watch officials said the river could rise by two metres.")
    assert not is_promo_line("Related cases were heard in Rotherham and Rochdale.")


def test_doubled_caption_and_repeated_headline_are_dropped_but_interview_questions_stay():
    text = (
        "Ofsted: Councils failing\nOfsted wants more\nOfsted wants more\nQ: Why?\nA: Because.\n"
        "Q: Why?\nA: Again."
    )
    assert clean_body(text, "Ofsted: Councils failing").split("\n") == [
        "Ofsted wants more",
        "Q: Why?",
        "A: Because.",
        "Q: Why?",
        "A: Again.",
    ]


def test_seed_article_text_loses_its_doubled_caption():
    seed = require(SEED).read_text("utf-8")
    cleaned = clean_body(seed, "Ofsted: Councils failing to protect children from CSE")
    assert cleaned.count("Ofsted wants local authorities to do more") == 1
    assert not cleaned.startswith("Ofsted: Councils failing")


def test_site_name_is_stripped_from_headlines():
    assert (
        strip_site_name("Best tech gadgets of 2019 | ZDNet", "ZDNet") == "Best tech gadgets of 2019"
    )
    assert strip_site_name("BBC News - Floods hit town", "BBC News") == "Floods hit town"
    assert strip_site_name("War - and peace", "The Paradigm") == "War - and peace"


def test_extract_finds_title_byline_and_text():
    html = """<html><head><title>Storm hits coast - Gazette</title>
    <meta property="og:site_name" content="Gazette"><meta name="author" content="Ann Lee"></head>
    <body><nav>Home News Sport</nav><article><h1>Storm hits coast</h1>
    <p>A storm hit the coast on Monday, bringing down power lines across the region.</p>
    <p>READ MORE: Floods expected next week</p>
    <p>Residents were told to stay indoors until the wind drops later this evening.</p>
    </article><footer>© Gazette</footer></body></html>"""
    result = extract(html)
    assert result.title == "Storm hits coast"
    assert result.byline == "Ann Lee"
    assert result.text.split("\n") == [
        "A storm hit the coast on Monday, bringing down power lines across the region.",
        "Residents were told to stay indoors until the wind drops later this evening.",
    ]
    assert result.extractor.startswith("trafilatura ")


def test_quality_is_at_least_plain_trafilatura_on_each_half_of_the_benchmark():
    """Each fixed half is a held-out set for choices tuned on the other (bench/extraction.py)."""
    pages = benchmark_pages()
    for half in (0, 1):
        ours, plain = [], []
        for key, url, html, gold in pages:
            if half_of(key) != half:
                continue
            ours.append(score_page(gold, extract(html.encode(), url, encoding="utf-8").text))
            plain.append(score_page(gold, trafilatura.extract(html, include_comments=False) or ""))
        ours_f1, plain_f1 = aggregate(ours).f1, aggregate(plain).f1
        print(f"half {half}: newsmon F1 {ours_f1:.4f}, plain {plain_f1:.4f} ({len(ours)} pages)")
        assert ours_f1 >= plain_f1


STORY = [
    "The city council voted on Tuesday to close the old bridge to traffic from next spring.",
    "Engineers told the meeting that repairs would cost more than building a new crossing.",
    "Residents on both banks said they feared long detours during the years of construction.",
]


def page(head: str = "", top: str = "", meta: str = "", title: str = "Bridge to close") -> str:
    """An article page in the shape news sites give them, with slots for the variations."""
    body = "".join(f"<p>{p}</p>" for p in STORY)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
    <title>{title} | The Riverside Courier</title>
    <meta property="og:site_name" content="The Riverside Courier">{head}</head>
    <body><header><a href="/">The Riverside Courier</a><nav><a href="/news">News</a></nav></header>
    <main><article>{top}<h1>Council votes to close the old bridge</h1>
    <div class="meta"><span class="byline">By Sam Writer</span>{meta}</div>
    <div class="body">{body}</div></article></main>
    <footer>© The Riverside Courier</footer></body></html>"""


def test_the_visible_h1_is_the_headline_not_the_title_tag():
    seo = "Bridge closure: what you need to know"
    result = extract(page(head=f'<meta property="og:title" content="{seo}">', title=seo))
    assert result.title == "Council votes to close the old bridge"
    assert result.text.split("\n") == STORY


def test_without_an_h1_the_title_loses_the_site_name():
    html = page().replace("<h1>Council votes to close the old bridge</h1>", "")
    assert extract(html).title == "Bridge to close"
    html = html.replace('<meta property="og:site_name" content="The Riverside Courier">', "")
    # no declared name: the host names the site
    assert extract(
        html.replace("The Riverside Courier", "Courier"), "https://www.courier.example/a"
    ).title == ("Bridge to close")


def test_a_logo_h1_in_the_page_header_is_not_the_headline():
    html = page().replace(
        '<header><a href="/">The Riverside Courier</a>', "<header><h1>The Riverside Courier</h1>"
    )
    assert extract(html).title == "Council votes to close the old bridge"


@pytest.mark.parametrize(
    "label",
    [
        "Updated {n} minutes ago",
        "Last updated at 14:{n:02d}",
        "Mis à jour il y a {n} minutes",
        "Aktualisiert vor {n} Minuten",
        "Actualizado hace {n} minutos",
        "Aggiornato {n} minuti fa",
        "{n} min read",
    ],
)
def test_relative_times_and_labels_do_not_reach_the_text(label):
    texts = set()
    for n in (3, 17, 42):
        line = label.format(n=n)
        for where in ("top", "body", "meta"):
            html = page(**{"top" if where == "top" else "meta": f"<p>{line}</p>"})
            if where == "body":
                html = page().replace('<div class="body">', f'<div class="body"><p>{line}</p>')
            result = extract(html)
            texts.add((result.title, result.text))
    assert texts == {("Council votes to close the old bridge", "\n".join(STORY))}


def test_time_elements_and_their_labels_leave_the_text_but_times_in_prose_stay():
    meta = (
        '<p>Published <time datetime="2026-03-02T09:00:00Z">2 March 2026, 09:00</time></p>'
        '<p>Updated <time datetime="2026-03-02T11:05:00+01:00">10:05 GMT</time></p>'
    )
    prose = '<p>The vote on <time datetime="2026-03-03">Tuesday</time> passed by nine to two.</p>'
    result = extract(page(meta=meta).replace('<div class="body">', f'<div class="body">{prose}'))
    assert result.text.split("\n") == ["The vote on Tuesday passed by nine to two.", *STORY]


def test_dates_from_json_ld_come_first():
    ld = """<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
      {"@type": "WebSite", "name": "Courier"},
      {"@type": "NewsArticle", "headline": "Bridge", "datePublished": "2026-03-02T09:00:00+01:00",
       "dateModified": "2026-03-02T15:30:00+01:00",
       "author": {"@type": "Person", "name": "Sam Writer"}}
    ]}</script><meta property="article:published_time" content="2020-01-01T00:00:00Z">"""
    result = extract(page(head=ld))
    assert result.published_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert result.updated_at == datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
    assert result.date_source == "page: JSON-LD datePublished"
    assert result.byline == "Sam Writer"


def test_dates_from_meta_tags_then_time_elements_then_htmldate(monkeypatch):
    head = (
        '<meta property="article:published_time" content="2026-03-02T09:00:00Z">'
        '<meta property="article:modified_time" content="2026-03-04T10:00:00Z">'
    )
    result = extract(page(head=head))
    assert (result.published_at, result.updated_at) == (
        datetime(2026, 3, 2, 9, tzinfo=UTC),
        datetime(2026, 3, 4, 10, tzinfo=UTC),
    )
    assert result.date_source == "page: meta article:published_time"

    timed = extract(page(meta='<time datetime="2026-03-02T09:00:00-05:00">2 March</time>'))
    assert timed.published_at == datetime(2026, 3, 2, 14, tzinfo=UTC)
    assert timed.date_source == "page: <time>"
    assert "2 March" not in timed.text

    def no_network(*args, **kwargs):
        raise AssertionError("extraction tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    dated = extract(
        page(head='<meta name="date" content="2026-03-02">'), "https://courier.example/a"
    )
    assert dated.published_at == datetime(2026, 3, 2, tzinfo=UTC)
    assert dated.date_source == "htmldate"

    undated = extract(page())
    assert (undated.published_at, undated.updated_at, undated.date_source) == (None, None, None)


def test_bytes_are_decoded_with_the_crawlers_encoding_and_the_result_pickles():
    html = page().replace("Residents on both banks", "Les riverains à Zürich")
    result = extract(html.encode("cp1252"), "https://courier.example/a", encoding="cp1252")
    assert "Les riverains à Zürich" in result.text
    assert pickle.loads(pickle.dumps(result)) == result
    assert extract(html.encode("utf-8")).text == result.text  # no encoding given: sniffed


def test_teasers_go_in_any_language_and_sentences_with_links_stay():
    teasers = (
        '<p>Lire aussi : <a href="/b">Les députés votent le budget de la ville</a></p>'
        '<p>Mehr zum Thema: <a href="/c">Stadtrat streitet über die neue Brücke</a></p>'
        '<p>Leer más » <a href="/d">El ayuntamiento aprueba el presupuesto</a></p>'
        "<p>Publicidad</p><p>Czytaj także: Nowy most w budowie od przyszłego roku</p>"
    )
    sentence = (
        '<p>The report, <a href="/r">published by the ministry on Monday</a>, found delays.</p>'
    )
    html = page().replace(f"<p>{STORY[1]}</p>", f"{teasers}<p>{STORY[1]}</p>{sentence}")
    assert extract(html).text.split("\n") == [
        STORY[0],
        STORY[1],
        "The report, published by the ministry on Monday, found delays.",
        STORY[2],
    ]


def test_related_link_lists_and_byline_metadata_lines_do_not_reach_the_text():
    related = (
        "<h3>Você pode gostar</h3><ul>"
        '<li><a href="/x">Prefeitura anuncia obras na ponte velha</a></li>'
        '<li><a href="/y">Câmara aprova orçamento para o próximo ano</a></li></ul>'
    )
    facts = "<ul><li>Length: 120 metres</li><li>Built in 1898</li></ul>"
    meta = "<p>05/10/2026 - Publicado por: Clarissa Borba - Categoria: Cidade</p>"
    html = page().replace(f"<p>{STORY[2]}</p>", f"{meta}<p>{STORY[2]}</p>{facts}{related}")
    assert extract(html).text.split("\n") == [*STORY, "- Length: 120 metres", "- Built in 1898"]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<link rel="canonical" href="/news/story">', "https://site.example/news/story"),
        (
            '<base href="https://cdn.site.example/amp/"><link rel="canonical" href="story">',
            "https://cdn.site.example/amp/story",
        ),
        ('<link rel="canonical" href="  ">', None),
        ('<link rel="canonical" href="http://[bad">', None),
        ("", None),
    ],
)
def test_the_page_names_its_canonical_url_as_a_browser_reads_it(head, expected):
    page = f"<html><head>{head}</head><body><h1>T</h1><p>{'Story text. ' * 40}</p></body></html>"
    assert extract(page, "https://site.example/amp/story?x=1").canonical_url == expected


def test_two_paragraphs_in_a_row_stay_but_a_doubled_caption_goes():
    said = "The minister said it again, word for word, to make sure everyone in the room heard."
    caption = "The minister speaking at the conference in the capital on Tuesday afternoon."
    html = page(
        top=f'<figure><img src="a.jpg" alt="{caption}"><figcaption>{caption}</figcaption>'
        f'</figure><p class="caption">{caption}</p><p class="caption">{caption}</p>'
    ).replace(f"<p>{STORY[1]}</p>", f"<p>{STORY[1]}</p><p>{said}</p><p>{said}</p>")
    lines = extract(html).text.split("\n")
    assert lines.count(said) == 2
    assert lines.count(caption) <= 1


def test_text_keeps_entities_the_page_shows():
    source = "Type &amp;lt;b&amp;gt; or &amp;nbsp; &amp;amp; then &lt;i&gt;."
    html = page().replace(STORY[0], source)
    assert extract(html).text.split("\n")[0] == "Type &lt;b&gt; or &nbsp; &amp; then <i>."

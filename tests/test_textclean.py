"""Text cleaning at the boundary: what every database and XML parser accept."""

from __future__ import annotations

from newsmon.core.textclean import clean_line, clean_optional, clean_text
from newsmon.discover.feedbytes import sanitize_document


def test_controls_go_tab_and_newline_stay_and_cr_becomes_newline():
    assert clean_text("a\x00b\x01c\x1b[2Jd\te\r\nf\rg\x7f") == "abc[2Jd\te\nf\ng\x7f"


def test_lone_surrogates_become_visible_replacements():
    assert clean_text("caf\ud800e \udfff") == "caf\ufffde \ufffd"
    assert clean_text("x\ufffe\uffffy") == "xy"
    assert clean_text("Zoë 😀 € 中文") == "Zoë 😀 € 中文"  # valid text untouched


def test_one_line_fields_fold_line_breaks():
    assert clean_line("  Mayor\n\n resigns\r\nafter vote \x07 ") == "Mayor resigns after vote"
    assert clean_optional("  \x00 ") is None
    assert clean_optional(None) is None
    assert clean_optional(42) is None


def test_documents_lose_forbidden_references_and_bytes_only():
    body = "<t>a&#0;b&#x1;c&#xD800;d&#55296;e\x00f&#9;&#x41;&amp;&#xD83D;&#xDE00;é</t>".encode()
    cleaned, removed = sanitize_document(body)
    assert cleaned == "<t>abc&#xFFFD;d&#xFFFD;ef&#9;&#x41;&amp;&#x1F600;é</t>".encode()
    assert removed == 5


def test_utf16_documents_keep_their_bytes():
    body = "\ufeff<t>x</t>".encode("utf-16-le")
    assert sanitize_document(body) == (body, 0)


def test_bidi_controls_are_removed_from_what_enters():
    marks = "\u200e\u200f\u061c\u202a\u202b\u202d\u2067\u2068"
    hostile = f"Mayor \u202eresigns\u202c \u2066now\u2069 {marks}!"
    assert clean_line(hostile) == "Mayor resigns now !"
    assert clean_text("\u202ea\nb\u2069") == "a\nb"

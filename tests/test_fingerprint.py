"""Normalisation and hashing: layout is not an edit, words and headlines are."""

from __future__ import annotations

from newsmon.core.fingerprint import content_hash, is_flapping, normalize_text


def test_whitespace_and_unicode_forms_do_not_change_the_hash():
    a = content_hash("Café opens", "First  paragraph.\n\n\nSecond\tparagraph. ")
    b = content_hash("Cafe\u0301 opens", "First paragraph.\r\nSecond paragraph.")
    assert a == b


def test_every_visible_edit_changes_the_hash():
    base = content_hash("Title", "One two three.")
    assert content_hash("Title", "One two three!") != base
    assert content_hash("title", "One two three.") != base
    assert content_hash("Title", "One two  three.\nFour.") != base
    assert content_hash("Title (updated)", "One two three.") != base


def test_normalize_keeps_paragraphs():
    assert normalize_text(" a  b \n\n c\u200b d ") == "a b\nc d"


def test_revert_is_kept_but_endless_flipping_is_not():
    a, b = "A", "B"
    assert not is_flapping([a, b], a)  # a revert
    assert not is_flapping([a, b, a], b)
    assert not is_flapping([a, b, a, b], a)
    assert is_flapping([a, b, a, b, a], b)  # third A -> B: a rotating widget
    assert not is_flapping([a, b, a, b, a], "C")


def test_text_seen_on_two_consecutive_checks_has_settled():
    from newsmon.core.fingerprint import has_settled

    assert has_settled(["b"], "b")  # the last check saw it too
    assert not has_settled(["a", "b"], "b")  # it flipped back in between
    assert not has_settled([], "b")  # first sighting
    assert has_settled(["b", "b"], "b", checks=3) and not has_settled(["b", "a"], "b", checks=3)

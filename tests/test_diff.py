"""The diff model: aligned paragraphs, exactly the changed words marked."""

from __future__ import annotations

import random
from difflib import SequenceMatcher

import pytest

from newsmon.record.diff import diff_texts, summarize
from newsmon.record.seqdiff import PAGE_CELLS, REGION_CELLS


def marked(spans, op):
    return [s.text for s in spans if s.op == op]


def test_changed_words_are_exactly_marked():
    d = diff_texts(
        "Ofsted warning",
        "Intro stays.\nOfsted said councils were too slow in facing up.",
        "Ofsted warning to councils",
        "Intro stays.\nOfsted said councils were too slow to face up.",
    )
    kinds = [r.kind for r in d.rows]
    assert kinds == ["equal", "changed"]
    changed = d.rows[1]
    assert marked(changed.old, "delete") == ["in facing"]
    assert marked(changed.new, "insert") == ["to face"]
    assert marked(d.title.new, "insert") == [" to councils"]
    assert (d.words_added, d.words_removed) == (4, 2)


def test_added_and_removed_paragraphs_stand_on_their_own_side():
    d = diff_texts(
        "T",
        "Keep one.\nDrop this entirely different sentence.\nKeep two.",
        "T",
        "Keep one.\nKeep two.\nA brand new closing paragraph appears.",
    )
    assert [r.kind for r in d.rows] == ["equal", "removed", "equal", "added"]
    assert d.rows[1].new == () and d.rows[3].old == ()


def test_reworded_paragraphs_pair_with_their_counterparts():
    old = "The council met on Monday to discuss the budget.\nIt agreed to raise taxes by 2%."
    new = (
        "The council met on Tuesday to discuss the budget.\n"
        "A new paragraph about something else entirely, nothing alike.\n"
        "It agreed to raise taxes by 3%."
    )
    d = diff_texts("T", old, "T", new)
    assert [r.kind for r in d.rows] == ["changed", "added", "changed"]


def test_summary_is_json_ready_and_trims_context():
    long = " ".join(f"w{i}" for i in range(100))
    d = diff_texts("T", long + " end.", "T", long + " finish.")
    summary = summarize(d)
    assert summary[0]["kind"] == "changed"
    text = "".join(t for _, t in summary[0]["spans"])
    assert "…" in text and "finish" in text and len(text) < len(long)


def test_a_rewritten_headline_reads_as_one_deletion_then_one_insertion():
    d = diff_texts("Council reviews pg one cases", "x", "Edited on PostgreSQL", "x")
    assert [(s.op, s.text) for s in d.title.inline] == [
        ("delete", "Council reviews pg one cases"),
        ("insert", "Edited on PostgreSQL"),
    ]


def test_one_changed_chinese_character_is_one_changed_character():
    old = "北京市政府周二宣布，新的交通规则将于下月实施。官员表示，这项措施旨在缓解城市拥堵。"
    new = old.replace("周二", "周三")
    d = diff_texts("交通新规", old, "交通新规", new)
    assert [r.kind for r in d.rows] == ["changed"]
    assert marked(d.rows[0].old, "delete") == ["二"]
    assert marked(d.rows[0].new, "insert") == ["三"]
    assert (d.words_added, d.words_removed) == (1, 1)
    inline = d.rows[0].inline
    assert [(s.op, s.text) for s in inline if s.op != "equal"] == [
        ("delete", "二"),
        ("insert", "三"),
    ]


def test_japanese_and_thai_edits_stay_small_and_spaced_text_still_diffs_by_word():
    d = diff_texts("T", "東京で大雨が降りました。", "T", "東京で大雪が降りました。")
    assert marked(d.rows[0].new, "insert") == ["雪"]
    thai = diff_texts("T", "ฝนตกหนักในกรุงเทพ", "T", "ฝนตกเบาในกรุงเทพ")
    assert "".join(marked(thai.rows[0].new, "insert")) == "เบา"
    words = diff_texts("T", "The mayor said no.", "T", "The mayor said yes.")
    assert marked(words.rows[0].new, "insert") == ["yes"]


# -- bounded work: hostile sizes cost a bounded number of comparisons, not minutes --------


@pytest.fixture
def compared(monkeypatch):
    """Element pairs handed to difflib's matcher, summed. One comparison bigger than a
    region fails at once: the old diff handed it all 4,000 tokens of a 2,000-word
    paragraph against all 4,000 (16 million pairs, seconds; 111 s at 16,000 words)."""
    spent = {"pairs": 0}
    original = SequenceMatcher.set_seqs

    def counting(self, a, b):
        pairs = len(a) * len(b)
        assert pairs <= REGION_CELLS, f"one comparison of {pairs:,} element pairs"
        spent["pairs"] += pairs
        original(self, a, b)

    monkeypatch.setattr(SequenceMatcher, "set_seqs", counting)
    return spent


def prose(words: int, seed: int = 3) -> list[str]:
    """News-like words: common words four times in ten, made-up names and terms between."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(4000)]
    common = ["the", "a", "of", "to", "and", "in", "said", "was", "on", "for"]
    return [rng.choice(common) if rng.random() < 0.4 else rng.choice(vocab) for _ in range(words)]


@pytest.mark.parametrize("n", [2000, 8000, 16000])
def test_one_huge_paragraph_edited_in_three_far_places_is_diffed_exactly_and_cheaply(n, compared):
    words = prose(n)
    edited = list(words)
    places = (n // 10, n // 2, n - n // 10)
    for k, at in enumerate(places):
        edited[at] = f"edit{k}"
    d = diff_texts("T", " ".join(words), "T", " ".join(edited))
    assert [r.kind for r in d.rows] == ["changed"]
    assert marked(d.rows[0].old, "delete") == [words[at] for at in places]
    assert marked(d.rows[0].new, "insert") == ["edit0", "edit1", "edit2"]
    assert [s.text for s in d.rows[0].inline if s.op != "equal"] == [
        text for at, k in zip(places, range(3), strict=True) for text in (words[at], f"edit{k}")
    ]
    assert (d.words_added, d.words_removed, d.coarse) == (3, 3, 0)  # exact: no fallback
    assert compared["pairs"] <= PAGE_CELLS


def test_sixteen_thousand_identical_paragraphs_diff_exactly_and_cheaply(compared):
    same = ["A short paragraph that repeats."] * 16_000
    edited = list(same)
    edited[3], edited[-3] = "A short paragraph that changed.", "A long paragraph that repeats."
    d = diff_texts("T", "\n".join(same), "T", "\n".join(edited))
    changed = [k for k, r in enumerate(d.rows) if r.kind != "equal"]
    assert len(d.rows) == 16_000 and changed == [3, 16_000 - 3]
    assert marked(d.rows[3].new, "insert") == ["changed"]
    assert marked(d.rows[-3].old, "delete") == ["short"]
    assert (d.words_added, d.words_removed) == (2, 2)
    assert compared["pairs"] <= PAGE_CELLS


def test_text_too_repetitive_to_anchor_falls_back_within_the_budget(compared):
    """16,000 repeats of one word with the first and last changed: nothing unique to anchor
    on, so past the budget the stretch is shown replaced whole, every word still there."""
    old = ["buffalo"] * 16_000
    new = ["bison", *old[1:-1], "bison"]
    d = diff_texts("T", " ".join(old), "T", " ".join(new))
    row = d.rows[0]
    assert d.coarse > 0 and compared["pairs"] <= PAGE_CELLS
    assert "".join(s.text for s in row.old) == " ".join(old)
    assert "".join(s.text for s in row.new) == " ".join(new)
    assert "".join(s.text for s in row.inline if s.op != "insert") == " ".join(old)
    inserted = " ".join(marked(row.new, "insert"))
    assert inserted.startswith("bison") and inserted.endswith("bison")

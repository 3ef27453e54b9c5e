"""The diff model: aligned paragraphs, exactly the changed words marked."""

from __future__ import annotations

from newsmon.record.diff import diff_texts, summarize


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

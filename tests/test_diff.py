"""The diff model: aligned paragraphs, exactly the changed words marked."""

from __future__ import annotations

from newsmon.diff import diff_texts, summarize


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

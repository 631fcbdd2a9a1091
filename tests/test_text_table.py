"""render/text_table: the one way tables for people are printed (plain piped, fitted on a terminal)."""

from __future__ import annotations

from crmctl.render.text_table import Column, TextTable, fitted, plain_text, table_text, wrapped


def test_wrapping_breaks_at_spaces_keeps_words_whole_and_indents_continuations():
    assert wrapped("aaa bbb ccc", 7) == "aaa bbb\n  ccc"
    assert wrapped("see /a/very/long/path now", 10) == "see\n  /a/very/long/path\n  now"
    assert wrapped("  indented line here", 12) == "  indented\n    line\n    here"
    assert wrapped("one line\ntwo", None) == "one line\ntwo"


def test_a_pipe_gets_aligned_columns_and_multi_line_cells_joined():
    table = TextTable([Column("who"), Column("n", numeric=True), Column("why", wrap=True)],
                      [["ann", "5", "late\nquiet"], ["bo", "12", "—"]], title="List")
    assert plain_text(table) == "List\n\nwho   n  why\nann   5  late; quiet\nbo   12  —\n"


def test_a_narrow_terminal_loses_whole_columns_in_the_order_given():
    table = TextTable([Column("id"), Column("a", numeric=True), Column("b", numeric=True), Column("c", numeric=True)],
                      [["x1", "1,234.56", "7,890.12", "3,456.78"]], drop_first=("b",))
    # boxed: 2 + 8 + 8 + 8 cells, 3 a column and 1 more: 39 wide; 28 holds three columns
    assert fitted(table, 39)[1] == []
    assert fitted(table, 38)[1] == ["b"]
    assert fitted(table, 27)[1] == ["b", "c"]
    text = table_text([table], color=False, width=38)
    assert "1,234.56" in text and "3,456.78" in text and "7,890.12" not in text and "…" not in text
    assert "(left out for width: b; widen the terminal or use -f csv)" in " ".join(text.split())


def test_wrapped_text_narrows_to_its_longest_word_before_a_column_goes():
    table = TextTable([Column("id"), Column("note", wrap=True)], [["x1", "alpha beta gamma delta"]])
    rich_table, left_out = fitted(table, 20)
    assert left_out == [] and rich_table.columns[1].width == 11  # 20 - (2 + 7 of boxes and padding)
    assert max(len(line) for line in table_text([table], color=False, width=20).splitlines()) <= 20

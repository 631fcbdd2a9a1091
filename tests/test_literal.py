"""render.text.literal and every renderer: random Unicode, control characters and markup come out literal.

"Literal" per format: a table shows literal(value) (controls as escapes, markup as text); CSV parses back
to it (with a ' before a formula; exactly the value with --raw); JSON parses back to the value itself;
Markdown and HTML render (markdown-it, html.parser) to literal(value) as text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

import polars as pl
from hypothesis import given, settings, strategies as st
from markdown_it import MarkdownIt

from crmctl.domain.results import CustomerTable
from crmctl.files.spreadsheet import neutralised
from crmctl.render.base import Format
from crmctl.render.registry import render
from crmctl.render.text import literal, literal_lines, markdown_text
from crmctl.render.view import Options

FRAGMENTS = ("[bold red]", "[/]", "[link=http://evil]", "\x1b", "\x1b[2J", "\x1b]0;t\x07", "\x07", "\r", "\n", "\t",
             "\x00", "\x7f", "\x9b", "\x85", "\u202e", "\u2066", "\u200f", "\u2028", ":warning:", "|", "*", "_", "`",
             "<img src=x onerror=alert(1)>", "</td>", "&amp;", "&#65;", "\\", "#", "=", "@", "+", "-", "[", "]", "~",
             "!", "(", ")", " ", "é", "中", "🙂")
VALUES = st.lists(st.one_of(st.text(max_size=4), st.sampled_from(FRAGMENTS)), max_size=8).map("".join)
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SGR = re.compile(r"\x1b\[[0-9;]*m")  # Rich's own colours on a terminal
PROPERTY = settings(max_examples=50, deadline=None)


def test_literal_shows_each_control_character_visibly():
    assert literal("a\x1b]0;x\x07b\rc\nd\te\x00\x7f\x9b\u202e\u2066f") == \
        "a\\x1b]0;x\\x07b\\rc\\nd\\te\\x00\\x7f\\x9b\\u202e\\u2066f"
    assert literal("[bold red]PWN[/] é 中 🙂") == "[bold red]PWN[/] é 中 🙂"  # markup is text: no console parses it
    assert literal(None) == "" and literal(12.5) == "12.5"
    assert literal_lines("crmctl: a\x1b\nb") == "crmctl: a\\x1b\nb"


def test_markdown_text_keeps_a_value_on_one_line_and_inert():
    assert markdown_text("Multi\nLine\n### heading") == "Multi\\\\nLine\\\\n\\#\\#\\# heading"
    assert markdown_text("<img src=x onerror=alert(1)>") == "\\<img src=x onerror=alert(1)\\>"
    assert markdown_text("conversion_rate |a| *b* [c](d) R&D &amp;") == \
        "conversion_rate \\|a\\| \\*b\\* \\[c\\](d) R&D \\&amp;"


@PROPERTY
@given(VALUES)
def test_literal_is_free_of_controls_and_idempotent(value):
    shown = literal(value)
    assert not UNSAFE.search(shown)
    assert literal(shown) == shown
    assert shown == value or UNSAFE.search(value)


def _frame(value: str) -> pl.DataFrame:
    return pl.DataFrame({"customer_id": ["c1", "c2"], "segment": [value, "plain"], "region": ["r1", "r2"]})


def _render(value: str, fmt: Format, **options) -> str:
    """`crmctl customers`' view of a table whose segment is `value`."""
    meta = {"as_of": "2025-01-01", "by": ["segment"], "warnings": []}
    return render(CustomerTable(_frame(value), meta), fmt, Options(**options))


@PROPERTY
@given(VALUES)
def test_tables_show_the_literal_text_piped_and_on_a_colour_terminal(value):
    piped = _render(value, Format.table)
    assert literal(value) in piped and not UNSAFE.search(piped.replace("\n", ""))
    boxed = _render(value, Format.table, color=True, width=10_000)
    plain = _SGR.sub("", boxed)
    assert literal(value) in plain and not UNSAFE.search(plain.replace("\n", ""))


@PROPERTY
@given(VALUES)
def test_csv_parses_back_to_the_safe_cell_or_with_raw_to_the_value(value):
    safe = list(csv.reader(io.StringIO(_render(value, Format.csv), newline="")))
    assert safe[1] == ["c1", literal_lines(neutralised(value)), "r1"]
    raw = list(csv.reader(io.StringIO(_render(value, Format.csv, raw=True), newline="")))
    assert raw[1] == ["c1", value, "r1"]


@PROPERTY
@given(VALUES)
def test_json_parses_back_to_the_value_and_holds_no_raw_control(value):
    text = _render(value, Format.json)
    assert json.loads(text)["rows"][0]["segment"] == value
    assert not UNSAFE.search(text.replace("\n", ""))


_MARKDOWN = MarkdownIt("commonmark").enable("table")


class _Cells(HTMLParser):
    """The text of every <td> and heading of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cells, self.open = [], False

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "h3"):
            self.cells.append("")
            self.open = True

    def handle_endtag(self, tag):
        if tag in ("td", "h3"):
            self.open = False

    def handle_data(self, data):
        if self.open:
            self.cells[-1] += data


def _texts(html: str) -> list[str]:
    parser = _Cells()
    parser.feed(html)
    return parser.cells


@PROPERTY
@given(VALUES)
def test_markdown_cells_and_headings_render_as_the_literal_text(value):
    cells = _texts(_MARKDOWN.render(_render(value, Format.markdown)))
    assert cells[0] == "c1" and cells[1].strip() == literal(value).strip()
    heading = _texts(_MARKDOWN.render(f"### segment: {markdown_text(value)}\n"))
    assert [h.strip() for h in heading] == [f"segment: {literal(value)}".strip()]


@PROPERTY
@given(VALUES)
def test_html_cells_read_as_the_literal_text(value):
    page = _render(value, Format.html)
    assert _texts(page)[:3] == ["c1", literal(value), "r1"]
    assert "<img" not in page.replace("&lt;img", "")

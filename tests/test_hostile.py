"""Hostile exports through every command and writer: what the data holds prints as literal text.

tests/hostile.py writes the export (markup, escape sequences, formulas, HTML, Markdown in names).
Each command runs in every format it offers, piped and as on a colour terminal (boxed, 80 columns).
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys

import pytest

from hostile import HOSTILE, RAW_CONTROLS, write_hostile

COMMANDS = {
    "report": (["report", "--by", "segment,region", "-m", "revenue,nps"], ("table", "csv", "json", "markdown", "html")),
    "report-long": (["report", "--layout", "long", "-m", "revenue"], ("table", "markdown")),
    "explain": (["explain", "revenue", "--ids", "--period", "2024-06", "--segment", "segment=<img src=x onerror=alert(1)>"],
                ("table", "json", "markdown")),
    "customers": (["customers", "--by", "segment,region", "--top", "12"], ("table", "csv", "json", "markdown", "html")),
    "at-risk": (["customers", "--at-risk", "--by", "segment"], ("table", "csv", "json", "markdown", "html")),
    "compare": (["compare", "--by", "segment"], ("table", "csv", "json", "markdown", "html")),
    "compare-control": (["compare", "--by", "region", "--control", "[bold red]PWN[/]"], ("table", "markdown")),
    "drivers": (["drivers"], ("table", "csv", "json", "markdown")),
    "cohorts": (["cohorts", "--by", "segment"], ("table", "csv", "json", "markdown", "html")),
    "cohorts-projected": (["cohorts", "--by", "segment", "--project", "2"], ("table", "markdown", "html")),
    "validate": (["validate"], ("table", "json", "markdown")),
    "metrics": (["metrics"], ("table", "csv", "json", "markdown")),
}
_SGR = re.compile(r"\x1b\[[0-9;]*m")  # Rich's colours: the only escape sequences a terminal may get
_SIGNED_NUMBER = re.compile(r"^[-+][\d\s.,]*\d[\d\s.,]*(?:[eE][-+]?\d+)?%?$")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return write_hostile(tmp_path_factory.mktemp("hostile"))


def _assert_literal(text: str, fmt: str, where: str) -> None:
    leaked = [c for c in RAW_CONTROLS if c in text]
    assert not leaked, f"{where}: raw {leaked!r} in the output"
    if fmt == "table" and "PWN" in text:
        assert "[bold red]PWN[/]" in text or "red]PWN[/]" in text, f"{where}: markup was interpreted"
    if fmt == "markdown":
        assert not re.search(r"(?m)^#+ heading", text), f"{where}: a name broke out of its heading"
        assert not re.search(r"(?<!\\)<img", text), f"{where}: raw HTML in Markdown"
    if fmt == "html":
        assert "<img" not in text and "onerror=alert(1)>" not in text, f"{where}: raw HTML"
    if fmt == "csv":
        cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
        formulas = [c for c in cells if c[:1] in ("=", "@") or c[:1] in ("+", "-") and not _SIGNED_NUMBER.match(c)]
        assert not formulas, f"{where}: formula cells {formulas[:3]}"
    if fmt == "json":
        json.loads(text)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_and_format_prints_hostile_data_literally(cli, hostile, monkeypatch, name):
    args, formats = COMMANDS[name]
    for fmt in formats:
        result = cli(*args, "-c", str(hostile), "-f", fmt)
        where = f"{' '.join(args)} -f {fmt}"
        assert result.exit_code in (0, 1), f"{where}: {result.stderr}"
        _assert_literal(result.stdout, fmt, where)
        _assert_literal(result.stderr, "stderr", where + " (stderr)")
    for module in [m for n, m in sys.modules.items() if n.startswith("crmctl.commands") and hasattr(m, "terminal")]:
        monkeypatch.setattr(module, "terminal", lambda: (True, 80))  # a colour terminal, 80 columns: Rich boxes
    boxed = cli(*args, "-c", str(hostile))
    assert boxed.exit_code in (0, 1), boxed.stderr
    assert "\x1b[" in boxed.stdout or name == "explain"  # in colour (explain is plain text) …
    _assert_literal(_SGR.sub("", boxed.stdout), "table", f"{' '.join(args)} on a terminal")  # … Rich's own only


def test_check_and_every_writer_to_a_file(cli, hostile, tmp_path):
    check = cli("check", "-c", str(hostile), "--verbose")
    _assert_literal(check.stdout, "table", "check")
    chart = cli("chart", "revenue", "-c", str(hostile), "--by", "segment", "-f", "svg")  # vl-convert aborted on ESC
    assert chart.exit_code == 0, chart.stderr
    _assert_literal(chart.stdout, "html", "chart -f svg")
    for fmt in ("csv", "json", "markdown", "html"):
        target = tmp_path / f"report.{fmt}"
        assert cli("report", "-c", str(hostile), "-f", fmt, "-o", str(target)).exit_code == 0
        _assert_literal(target.read_text(encoding="utf-8"), fmt, f"report -o report.{fmt}")


def test_segment_names_are_shown_as_written_with_controls_visible(cli, hostile):
    text = cli("report", "-c", str(hostile), "-m", "revenue", "-p", "year", "-f", "table").stdout
    assert "segment: \\x1b]0;owned\\x07Title\n" in text
    assert "segment: [link=http://evil.example]click[/link]\n" in text
    assert "segment: :warning: |pipe| *bold*\n" in text  # no emoji code either
    markdown = cli("report", "-c", str(hostile), "-m", "revenue", "-p", "year", "-f", "markdown").stdout
    assert "### segment: Multi\\\\nLine\\\\n\\#\\#\\# heading\n" in markdown  # one heading line, its \n shown
    assert "\\<img src=x onerror=alert(1)\\>" in markdown


def test_a_hostile_file_name_in_an_error_prints_literally(cli, tmp_path):
    missing = tmp_path / "exports\x1b]0;owned\x07[bold]x[/].yaml"
    result = cli("report", "-c", str(missing))
    assert result.exit_code == 3
    assert "\x1b" not in result.stderr and "exports\\x1b]0;owned\\x07[bold]x[/].yaml" in result.stderr


def test_every_hostile_name_survives_json_and_csv_raw_exactly(cli, hostile):
    rows = cli("customers", "-c", str(hostile), "--by", "segment", "-f", "json").json()["rows"]
    assert {r["segment"] for r in rows} == set(HOSTILE)
    raw = cli("customers", "-c", str(hostile), "--by", "segment", "-f", "csv", "--raw").stdout
    assert {r["segment"] for r in csv.DictReader(io.StringIO(raw))} == set(HOSTILE)

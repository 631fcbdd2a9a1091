"""Output formats: CSV and JSON parse back to the library's rows; the table matches a snapshot."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from crmctl.config import load_config
from crmctl.errors import OutputError
from crmctl.render import Format, Layout, format_value, render_report, write_output
from crmctl.report.build import build_report, with_overrides

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.fixture
def result(shop):
    config = load_config(shop.root / "crmctl.yaml")
    return build_report(config, with_overrides(config.report, by=("segment",)))


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def test_json_rows_equal_the_library_rows(result):
    payload = json.loads(render_report(result, Format.json, None, color=False, width=None))
    expected = [{k: _iso(v) for k, v in row.items()} for row in result.rows.to_dicts()]
    assert payload["rows"] == expected
    assert payload["meta"]["by"] == ["segment"] and payload["meta"]["rows_skipped"] == 0
    assert set(payload["meta"]) >= {"config", "window", "period", "generated_at", "crmctl_version", "rows_read"}


def test_csv_parses_back_to_the_same_rows(result):
    text = render_report(result, Format.csv, None, color=False, width=None)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert len(parsed) == result.rows.height
    for back, row in zip(parsed, result.rows.to_dicts()):
        for key, value in row.items():
            if value is None:
                assert back[key] == ""
            elif isinstance(value, float):
                assert float(back[key]) == pytest.approx(value)
            else:
                assert back[key] == str(_iso(value))


def test_wide_layout_has_one_column_per_metric(result):
    rows = list(csv.DictReader(io.StringIO(render_report(result, Format.csv, Layout.wide, color=False, width=None))))
    assert list(rows[0]) == ["period_start", "period_end", "segment", "revenue", "orders", "average_order_value",
                             "sales_growth"]
    gold_jan = next(r for r in rows if r["segment"] == "gold" and r["period_start"] == "2024-01-01")
    assert (gold_jan["revenue"], gold_jan["orders"], gold_jan["average_order_value"]) == ("100", "1", "100")


def test_table_snapshot_at_fixed_width(result):
    text = render_report(result, Format.table, None, color=False, width=100, currency="EUR")
    snapshot = SNAPSHOTS / "shop_table.txt"
    if os.environ.get("UPDATE_SNAPSHOTS") or not snapshot.exists():
        snapshot.write_text(text, encoding="utf-8")
    assert text == snapshot.read_text(encoding="utf-8")


def test_markdown_has_a_section_per_segment(result):
    text = render_report(result, Format.markdown, None, color=False, width=None)
    assert "### segment: gold\n" in text and "### segment: (none)\n" in text
    assert "| 2024-01 | 100.00 | 1 | 100.00† | — |" in text  # one order: dimmed, n < min_n


def test_csv_cells_that_spreadsheets_would_run_are_neutralised(project):
    project.file("customers.csv", "id,tier\nc1,=HYPERLINK(\"x\")\nc2,-5\n")
    project.file("orders.csv", "order,customer,date,amount\no1,c1,2024-01-01,1\no2,c2,2024-01-01,2\n")
    config = project.load("""
        datasets:
          customers: {path: customers.csv, columns: {customer_id: id, segment: tier}}
          orders:
            path: orders.csv
            columns: {order_id: order, customer_id: customer, ordered_at: date, amount: amount}
        report: {by: [segment], metrics: [revenue]}
    """)
    result = build_report(config)
    safe = list(csv.DictReader(io.StringIO(render_report(result, Format.csv, None, color=False, width=None))))
    assert {r["segment"] for r in safe} == {"'=HYPERLINK(\"x\")", "-5"}  # a number stays a number
    raw = render_report(result, Format.csv, None, color=False, width=None, raw=True)
    assert {r["segment"] for r in csv.DictReader(io.StringIO(raw))} == {"=HYPERLINK(\"x\")", "-5"}


@pytest.mark.parametrize("value,unit,text", [
    (0.1234, "ratio", "12.3%"), (1234.5, "money", "1,234.50"), (12.0, "count", "12"), (None, "money", "—"),
    (3.25, "hours", "3.2"),
])
def test_value_formats(value, unit, text):
    assert format_value(value, unit) == text


def test_atomic_write_replaces_the_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    write_output("new\n", target)
    assert target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_write_into_a_missing_folder_is_an_output_error(tmp_path):
    with pytest.raises(OutputError, match=r"--output .*/nope/out.csv: folder .*/nope does not exist"):
        write_output("x", tmp_path / "nope" / "out.csv")
    assert not (tmp_path / "nope").exists()


def test_reports_written_with_output_get_the_umask_mode(tmp_path):
    import os
    import stat

    from crmctl.render import write_output

    old = os.umask(0o022)
    try:
        write_output("a,b\n", tmp_path / "report.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "report.csv").stat().st_mode) == 0o644

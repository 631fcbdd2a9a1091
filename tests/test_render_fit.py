"""Tables that fit (issue 16): sparklines, the last change, the turned statement, plain text in pipes."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings, strategies as st

from crmctl.config import load_config
from crmctl.render import Format, Layout, render_report
from crmctl.render.base import header
from crmctl.render.sparkline import BARS, last_change, sparkline
from crmctl.report.build import build_report, with_overrides

from conftest import SAMPLE_CONFIG

BOX = set("┏┓┗┛━┃│─┼╇┡┩└┘┴┬")


# --- sparkline: hand-computed -------------------------------------------------------------------

@pytest.mark.parametrize("values, expected", [
    ([1, 2, 3, 4, 5, 6, 7, 8], "▁▂▃▄▅▆▇█"),  # (v − 1) ÷ 7 × 7 = v − 1: one bar each
    ([0, 10], "▁█"),
    ([0, 1, 2], "▁▅█"),  # 1 ÷ 2 × 7 = 3.5 → rounds half up to 4: ▅
    ([0, 3, 7], "▁▄█"),  # 3 ÷ 7 × 7 = 3: ▄
    ([10, 0, 5], "█▁▅"),  # 5 ÷ 10 × 7 = 3.5 → 4
    ([5], "▄"),  # one value: level
    ([2.5, 2.5, 2.5], "▄▄▄"),  # all equal: level, not "at the bottom"
    ([], ""),
    ([None, 1, None, 3], " ▁ █"),  # gaps stay gaps
    ([None, None], "  "),
    ([float("nan"), 1.0, 2.0], " ▁█"),
    ([-40.0, 9.1, -8.3], "▁█▆"),  # NPS: (−8.3 + 40) ÷ 49.1 × 7 = 4.52, + ½ → bar 5: ▆
])
def test_sparkline_hand_computed(values, expected):
    assert sparkline(values) == expected


def _independent_bar(value, low, high) -> str:
    """The definition read literally, with Python's Decimal-free arithmetic and floor(x + ½)."""
    if value is None:
        return " "
    if high == low:
        return "▄"
    return "▁▂▃▄▅▆▇█"[math.floor((value - low) * 7 / (high - low) + 0.5)]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-1000, 1000)), max_size=30))
def test_sparkline_matches_an_independent_implementation(values):
    known = [v for v in values if v is not None]
    low, high = (min(known), max(known)) if known else (0, 0)
    assert sparkline(values) == "".join(_independent_bar(v, low, high) for v in values)
    if known and high > low:  # the extremes are always the lowest and the highest bar
        assert sparkline(values)[values.index(high)] == BARS[-1]
        assert sparkline(values)[values.index(low)] == BARS[0]


# --- last change -------------------------------------------------------------------------------

@pytest.mark.parametrize("values, unit, higher, text, verdict", [
    ([0.50, 0.55], "ratio", True, "+5.0 pp", "good"),
    ([0.05, 0.03], "ratio", False, "-2.0 pp", "good"),  # churn down is good
    ([0.03, 0.05], "ratio", False, "+2.0 pp", "bad"),
    ([100.0, 50.0], "money", True, "-50.0%", "bad"),
    ([40.0, 50.0], "count", True, "+25.0%", "good"),
    ([-8.3, 9.1], "score", True, "+17.4", "good"),  # NPS: a difference, never "−210%"
    ([0.0, 5.0], "count", True, "+5.0", "good"),  # from 0 no relative change exists: the difference
    ([-2.0, 2.0], "money", True, "+4.0", "good"),
    ([7.0, 7.0], "count", True, "+0.0%", "neutral"),
    ([1.0, 2.0], "count", None, "+100.0%", "neutral"),  # no direction is better
])
def test_last_change_hand_computed(values, unit, higher, text, verdict):
    change = last_change(values, unit, higher)
    assert (change.text, change.verdict) == (text, verdict)


@pytest.mark.parametrize("values", [[], [1.0], [None, 1.0], [1.0, None], [1.0, float("nan")]])
def test_last_change_is_none_without_two_values(values):
    assert last_change(values, "count", True) is None


# --- the report table at a width ---------------------------------------------------------------

@pytest.fixture(scope="module")
def wide_report():
    """Every metric the sample can compute, three months, by region: 40-odd metrics, four segments."""
    config = load_config(SAMPLE_CONFIG)
    spec = with_overrides(config.report, by=("region",), last="3m")
    from dataclasses import replace

    return config, build_report(config, replace(spec, metrics=("all",), start=None))


def _table(result, config, width, layout=None):
    return render_report(result, Format.table, layout, color=False, width=width, currency=config.currency)


@pytest.mark.parametrize("width", [80, 100])
def test_at_terminal_width_every_title_is_whole_and_lines_fit(wide_report, width):
    config, result = wide_report
    text = _table(result, config, width)
    assert max(len(line) for line in text.splitlines()) <= width
    for metric in result.metrics:
        assert header(metric, config.currency) in text, metric.name
    assert "…" not in text
    assert text.count("│ metric") == 0 and text.count("┃ metric ") == 4  # turned: one statement per region


def test_at_100_columns_all_three_months_show_and_at_80_the_oldest_is_left_out(wide_report):
    config, result = wide_report
    labels = sorted({r["period_start"].strftime("%Y-%m") for r in result.rows.to_dicts()})
    assert len(labels) == 3
    at_100, at_80 = _table(result, config, 100), _table(result, config, 80)
    assert all(label in at_100 for label in labels) and "not shown" not in at_100
    assert labels[0] not in at_80 and labels[1] in at_80 and labels[2] in at_80
    assert at_80.count("1 earlier period not shown") == 4


def test_statement_cells_equal_the_report_values(wide_report):
    config, result = wide_report
    text = _table(result, config, 100)
    block = text.split("region: EMEA")[1].split("region:")[0]
    revenue = next(line for line in block.splitlines() if line.startswith("│ Revenue (USD)"))
    expected = [r["value"] for r in result.rows.to_dicts() if r["metric"] == "revenue" and r["region"] == "EMEA"]
    assert [float(c.replace(",", "")) for c in re.findall(r"[\d,]+\.\d\d", revenue)] == pytest.approx(expected)
    # the trend: three bars and the last change, (v3 ÷ v2 − 1)
    change = (expected[2] / expected[1] - 1) * 100
    assert f"{sparkline(expected)} {change:+.1f}%" in revenue


def test_few_metrics_stay_wide_on_a_terminal(shop):
    config = load_config(shop.root / "crmctl.yaml")
    result = build_report(config, config.report)
    text = render_report(result, Format.table, None, color=False, width=100)
    assert "┃ period  ┃" in text and "trend" not in text


def test_layout_long_forces_the_statement_and_wide_forces_columns(shop):
    config = load_config(shop.root / "crmctl.yaml")
    result = build_report(config, config.report)
    turned = render_report(result, Format.table, Layout.long, color=False, width=100)
    assert "┃ metric" in turned and "trend" in turned
    assert "│ Revenue" in turned and "│ 2024-04 │" not in turned


# --- in a pipe: plain text, every value whole ---------------------------------------------------

def test_piped_table_is_plain_aligned_text_with_every_value(wide_report):
    config, result = wide_report
    text = _table(result, config, None)
    assert not (set(text) & BOX)
    assert "not shown" not in text  # nothing is left out in a pipe
    for row in result.rows.to_dicts():
        if row["metric"] == "revenue":
            assert f"{row['value']:,.2f}" in text
    # the narrower shape wins: 40 metrics × 3 months turn into a statement
    assert "metric" in text.splitlines()[2] and max(len(line) for line in text.splitlines()) < 120


def test_piped_columns_line_up(shop):
    config = load_config(shop.root / "crmctl.yaml")
    text = render_report(build_report(config, config.report), Format.table, None, color=False, width=None)
    lines = text.split("\n\n")[0].splitlines()  # the table, not its footnotes
    assert lines[0].split()[:2] == ["period", "Revenue"]
    ends = {len(line) for line in lines if line}
    assert len(ends) == 1  # right-aligned numbers: every row ends in the same column


def test_auto_means_the_usual_shape_for_data_formats(shop):
    import json

    config = load_config(shop.root / "crmctl.yaml")
    result = build_report(config, config.report)
    for fmt in (Format.csv, Format.markdown):  # csv stays tidy (long), markdown wide
        assert render_report(result, fmt, Layout.auto, color=False, width=None) == render_report(
            result, fmt, None, color=False, width=None)
    rows = json.loads(render_report(result, Format.json, Layout.auto, color=False, width=None))["rows"]
    assert len(rows) == result.rows.height and "metric" in rows[0]

"""The HTML report and charts (issue 16): parsed back with html.parser and checked against the rows."""

from __future__ import annotations

import sys
from html.parser import HTMLParser

import pytest

from crmctl.config import load_config
from crmctl.errors import OutputError, UsageError
from crmctl.render import Format, render_report
from crmctl.render.registry import render
from crmctl.render.report_html import chart_spec, render_chart, target_rules
from crmctl.report.build import build_report, with_overrides

from conftest import SAMPLE_CONFIG

pytest.importorskip("vl_convert")


class Page(HTMLParser):
    """What a browser would load and show: tags, attributes, charts, cells with data-value."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.charts: list[str] = []  # data-metric of each figure.chart holding an <svg>
        self.cells: list[dict] = []
        self.tiles: list[str] = []
        self._figure = None
        self._table: dict = {}
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "figure" and "chart" in attrs.get("class", ""):
            self._figure = attrs.get("data-metric")
        if tag == "svg" and self._figure is not None:
            self.charts.append(self._figure)
            self._figure = None
        if tag == "table":
            self._table = attrs
        if tag == "td" and "data-value" in attrs and ("data-metric" in attrs or "data-cohort" in attrs):
            self.cells.append({**attrs, "table": self._table})
        if tag == "div" and attrs.get("class") == "tile":
            self.tiles.append(attrs["data-metric"])


@pytest.fixture(scope="module")
def sample():
    config = load_config(SAMPLE_CONFIG)
    spec = with_overrides(config.report, by=("segment",), last="6m")
    from dataclasses import replace

    result = build_report(config, replace(spec, start=None))
    return config, result, render_report(result, Format.html, None, color=False, width=None, currency=config.currency)


def test_page_is_self_contained(sample):
    _, _, text = sample
    page = Page(text)
    assert "http://" not in text and "https://" not in text  # nothing to fetch, not even a namespace
    assert not [t for t, _ in page.tags if t in ("script", "link", "img", "iframe", "object")]
    assert "@import" not in text and "url(" not in text
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text


def test_one_inline_svg_chart_per_metric(sample):
    _, result, text = sample
    assert Page(text).charts == [m.name for m in result.metrics]


def test_one_tile_per_metric_with_the_latest_value(sample):
    config, result, text = sample
    page = Page(text)
    assert page.tiles == [m.name for m in result.metrics]
    last = max(r["period_start"] for r in result.rows.to_dicts())
    latest = {(r["metric"], r["segment"]): r["value"] for r in result.rows.to_dicts() if r["period_start"] == last}
    revenue_tile = text.split('data-metric="revenue"><h3>')[1].split("</table>")[0]
    for segment in ("Enterprise", "SMB"):
        assert f"{latest[('revenue', segment)]:,.2f}" in revenue_tile


def test_table_cells_equal_the_report_rows(sample):
    _, result, text = sample
    cells = Page(text).cells
    dated = [r for r in result.rows.to_dicts() if r["period_start"] is not None]
    assert len(cells) == len(dated)
    by_key = {}
    for cell in cells:  # the tables come segment by segment in the report's order
        by_key.setdefault((cell["data-metric"], cell["data-period"]), []).append(cell["data-value"])
    for row in dated:
        values = by_key[(row["metric"], row["period_start"].isoformat())]
        expected = "" if row["value"] is None else str(row["value"])
        assert expected in values


def test_meta_names_window_rows_and_what_was_not_computed(sample):
    _, result, text = sample
    window = result.meta["window"]
    assert f"{window['from']} to {window['to']}" in text
    assert f"{result.meta['rows_read']:,}" in text and "rows skipped" in text


def test_targets_are_rules_per_segment_when_segments_differ(sample):
    _, result, _ = sample
    rules = target_rules(result, "average_order_value")  # min 50, Enterprise min 500
    assert {(r["segment"], r["bound"]) for r in rules} >= {("Enterprise", 500.0), ("SMB", 50.0)}
    assert target_rules(result, "csat") == [{"segment": None, "bound": 0.4, "kind": "min"}]
    spec = chart_spec(result, next(m for m in result.metrics if m.name == "csat"), "USD")
    assert spec["layer"][1]["mark"]["type"] == "rule"
    assert target_rules(result, "revenue") == []


def test_chart_points_equal_the_rows(sample):
    _, result, _ = sample
    revenue = next(m for m in result.metrics if m.name == "revenue")
    points = chart_spec(result, revenue, "USD")["data"]["values"]
    expected = [{"period": r["period_start"].isoformat(), "segment": r["segment"] or "(none)", "value": r["value"],
                 "small": False} for r in result.rows.to_dicts() if r["metric"] == "revenue" and r["value"] is not None]
    assert points == expected


def test_render_chart_svg_and_png(sample):
    config, result, _ = sample
    svg = render_chart(result, "revenue", Format.svg, config.currency)
    assert svg.startswith("<svg") and "Revenue (USD)" in svg
    png = render_chart(result, None, Format.png)
    assert isinstance(png, bytes) and png[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(UsageError, match='did you mean "revenue"'):
        render_chart(result, "revenu", Format.svg)


def test_without_vl_convert_the_error_names_the_install_command(sample, monkeypatch):
    _, result, _ = sample
    monkeypatch.setitem(sys.modules, "vl_convert", None)  # import now raises ImportError
    with pytest.raises(OutputError, match=r"pip install 'crmctl\[html\]'"):
        render_report(result, Format.html, None, color=False, width=None)


def test_cohorts_page_has_heatmaps_and_the_triangle_values():
    from crmctl.cohorts.build import build_cohorts

    config = load_config(SAMPLE_CONFIG)
    cohorts = build_cohorts(config, with_overrides(config.report, by=()))
    frame, meta = cohorts.rows, cohorts.meta
    text = render(cohorts, Format.html)
    page = Page(text)
    assert page.charts == ["rate", "revenue_rate"]
    rates = {(c["data-cohort"], int(c["data-index"])): float(c["data-value"]) for c in page.cells
             if c["table"].get("data-triangle") == "rate"}
    for row in frame.filter(frame["rate"].is_not_null()).head(40).to_dicts():
        assert rates[(row["cohort"].strftime("%Y-%m"), row["period_index"])] == pytest.approx(row["rate"])
    assert "https://" not in text


def test_cli_writes_html_and_png_and_other_commands_refuse_pictures(cli, tmp_path):
    html = cli("report", "-m", "revenue,csat", "-f", "html", "-o", str(tmp_path / "r.html"))
    assert html.exit_code == 0, html.stderr
    assert len(Page((tmp_path / "r.html").read_text()).charts) == 2
    png = cli("report", "-m", "revenue", "-f", "png", "-o", str(tmp_path / "r.png"))
    assert png.exit_code == 0 and (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    refused = cli("metrics", "-f", "html")
    assert refused.exit_code == 2 and "--format html is not available" in refused.stderr


def test_small_sample_points_are_hollow_and_out_of_the_scale(sample):
    _, result, text = sample
    churn = next(m for m in result.metrics if m.name == "churn_rate")
    spec = chart_spec(result, churn, "USD")
    points = spec["data"]["values"]
    rows = {(r["period_start"].isoformat(), r["segment"] or "(none)"): r for r in result.rows.to_dicts()
            if r["metric"] == "churn_rate"}
    assert [p["small"] for p in points] == [rows[p["period"], p["segment"]]["n"] < 30 for p in points]
    reliable = [p["value"] for p in points if not p["small"]]
    assert any(p["small"] for p in points) and reliable
    assert spec["layer"][0]["transform"] == [{"filter": "!datum.small"}]
    assert spec["layer"][-1]["transform"] == [{"filter": "datum.small"}]
    assert spec["layer"][-1]["mark"]["filled"] is False
    # the scale spans the reliable values and the targets (max 5%), not the small samples
    assert spec["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0, max(reliable + [0.05])]
    assert "hollow: n &lt; 30" in text or "hollow: n < 30" in text


def test_target_lines_are_labelled_and_shared_bounds_share_a_label(sample):
    _, result, _ = sample
    aov = next(m for m in result.metrics if m.name == "average_order_value")
    text_layer = chart_spec(result, aov, "USD")["layer"][2]
    labels = {v["label"] for v in text_layer["data"]["values"]}
    # config.example.yaml: min 50 for every segment, min 500 for Enterprise
    assert "Enterprise target ≥ 500.00" in labels
    assert any(label.endswith("target ≥ 50.00") and "SMB" in label and "Mid-Market" in label for label in labels)
    assert text_layer["mark"]["type"] == "text"


def test_count_axes_step_by_whole_numbers_and_ratios_trim_zeros(sample):
    _, result, _ = sample
    by_name = {m.name: m for m in result.metrics}
    assert chart_spec(result, by_name["active_customers"], "USD")["layer"][0]["encoding"]["y"]["axis"] == {
        "format": ",.0f", "tickMinStep": 1}
    assert chart_spec(result, by_name["churn_rate"], "USD")["layer"][0]["encoding"]["y"]["axis"] == {"format": ".1~%"}


@pytest.mark.parametrize(("rates", "spread"), [([1.0, 2.0, 0.5, 3.0], 4.0), ([1.0, 1.1], 2.0), ([], 2.0),
                                               ([0.0, 1.0, 14.0], 16.0)])
def test_the_revenue_heat_scale_spreads_to_a_power_of_two_around_100_percent(rates, spread):
    from crmctl.render.charts import revenue_spread

    assert revenue_spread(rates) == spread


def test_tables_hold_the_latest_periods_first_in_widths_that_fit_the_page():
    config = load_config(SAMPLE_CONFIG)
    result = build_report(config, with_overrides(config.report, by=("segment",)))  # 18 months
    from crmctl.render.report_html import period_chunks

    labels = [f"2024-{m:02d}" for m in range(1, 13)] + [f"2025-{m:02d}" for m in range(1, 7)]
    # widest cell 9 characters ("34,634.20"), widest title 21 ("Avg order value (USD)"):
    # (1184 - (21·8 + 20)) // (9·8 + 20) = 10 periods a table
    assert period_chunks(result, labels, "USD") == [list(range(8, 18)), list(range(0, 8))]
    page = Page(render_report(result, Format.html, None, color=False, width=None, currency="USD"))
    tables = [a for tag, a in page.tags if tag == "table" and a.get("data-segment") == "Enterprise"]
    assert len(tables) == 2

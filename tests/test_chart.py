"""`crmctl chart METRIC`: one chart to a file, its lines from the report's segments."""

from __future__ import annotations

from conftest import SAMPLE_CONFIG


def test_chart_writes_an_svg_with_a_line_per_segment(cli, tmp_path):
    target = tmp_path / "revenue.svg"
    result = cli("chart", "revenue", "-c", str(SAMPLE_CONFIG), "--by", "segment", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    svg = target.read_text()
    assert svg.startswith("<svg") and "http://" not in svg.replace("http://www.w3.org/", "")
    for segment in ("Enterprise", "Mid-Market", "SMB"):
        assert segment in svg


def test_chart_names_an_unknown_metric_and_refuses_other_formats(cli):
    unknown = cli("chart", "revenu", "-c", str(SAMPLE_CONFIG))
    assert unknown.exit_code == 2 and 'did you mean "revenue"' in unknown.stderr
    assert cli("chart", "revenue", "-c", str(SAMPLE_CONFIG), "-f", "csv").exit_code == 2

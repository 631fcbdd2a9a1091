"""Targets and `crmctl check`: exit codes and output through CliRunner, target parsing, row marks."""

from __future__ import annotations

import json

import pytest

from crmctl.config import bundled_config
from crmctl.errors import ConfigError, ExitCode

# The shop of conftest.py: revenue 150 (Jan), 50 (Feb), 0 (Mar), 40 (Apr) from the paid orders.
TARGETS = """
    targets:
      revenue: {min: 45, segments: {gold: {min: 100}}}
      average_order_value: {max: 60, tolerance: 5}
"""


def _config(shop, targets: str = TARGETS):
    import textwrap

    path = shop.root / "crmctl.yaml"
    path.write_text(path.read_text() + textwrap.dedent(targets))
    return str(path)


def test_all_targets_met_is_silent_and_exits_0(cli, shop):
    result = cli("check", "-c", _config(shop, "targets: {revenue: {min: 10}}\n"))
    assert (result.exit_code, result.stdout) == (0, "")


def test_a_missed_target_exits_1_with_one_line_per_miss(cli, shop):
    result = cli("check", "-c", _config(shop))
    # The latest complete period is April: revenue 40 (< 45); AOV 40 (≤ 60 + 5).
    assert result.exit_code == ExitCode.TARGET_MISSED
    assert result.stdout == "MISSED: revenue 2024-04-01..2024-04-30: 40.00 (target min 45.00)\n"


def test_period_end_and_verbose(cli, shop):
    result = cli("check", "-c", _config(shop), "--period-end", "2024-02-15", "--verbose")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "MET: revenue 2024-02-01..2024-02-29: 50.00 (target min 45.00)",
        "MET: average_order_value 2024-02-01..2024-02-29: 25.00 (target max 60.00)",
    ]


def test_segment_overrides_and_no_value_rows(cli, shop):
    config = _config(shop)
    text = shop.root.joinpath("crmctl.yaml").read_text().replace("report: {period: month", "report: {by: [segment], period: month")
    shop.root.joinpath("crmctl.yaml").write_text(text)
    result = cli("check", "-c", config, "--period-end", "2024-01-31", "-f", "json")
    payload = json.loads(result.stdout)
    assert result.exit_code == 1 and payload["ok"] is False
    # January: gold 100 (its override needs 100: met), silver 50, no segment 0 (< 45: missed);
    # AOV gold 100 (> 60 + 5: missed), silver 50, no segment has no orders.
    assert [(r["segment"]["segment"], r["metric"], r["status"]) for r in payload["results"]] == [
        (None, "revenue", "missed"), ("gold", "average_order_value", "missed")]
    verbose = json.loads(cli("check", "-c", config, "--period-end", "2024-01-31", "-f", "json", "-v").stdout)
    statuses = {(r["segment"]["segment"], r["metric"]): r["status"] for r in verbose["results"]}
    assert statuses[("gold", "revenue")] == "met"
    assert statuses[(None, "average_order_value")] == "no value"  # no paid orders without a segment in January


def test_report_rows_carry_the_target_status(cli, shop):
    rows = cli("report", "-c", _config(shop), "-f", "json", "-m", "revenue").json()["rows"]
    assert [(r["period_start"], r["target"]) for r in rows] == [
        ("2024-01-01", "met"), ("2024-02-01", "met"), ("2024-03-01", "missed"), ("2024-04-01", "missed")]


def test_the_bundled_sample_meets_its_targets(cli):
    assert cli("check").exit_code == 0


def test_no_targets_and_unknown_metrics_are_config_errors(cli, shop, project):
    result = cli("check", "-c", str(shop.root / "crmctl.yaml"))
    assert result.exit_code == ExitCode.CONFIG and "no targets to check" in result.stderr
    with pytest.raises(ConfigError) as caught:
        project.load("targets: {revenu: {min: 1}, nps: {min: 5, max: 1, tolerence: 1}}\n")
    assert caught.value.problems == [
        'targets.nps.tolerence: unknown key (did you mean "tolerance"?)',
        "targets.nps: min 5 is above max 1",
    ]
    with pytest.raises(ConfigError) as caught:  # metric names are checked when a report is planned
        project.plan("targets: {revenu: {min: 1}}\n")
    assert caught.value.problems == ['targets.revenu: unknown metric (did you mean "revenue"?)']


def test_sample_targets_parse():
    from crmctl.config import load_config

    targets = load_config(bundled_config()).targets
    assert targets["churn_rate"].for_segment("Enterprise").max == 0.02
    assert targets["churn_rate"].for_segment("SMB").max == 0.05
    assert targets["csat"].status(0.385) == "met" and targets["csat"].status(0.37) == "missed"


def test_benchmarks_add_gap_and_ratio_columns(cli, shop):
    config = _config(shop, "benchmarks: {revenue: {industry: 100, best: 200}, orders: {industry: 4}}\n")
    rows = cli("report", "-c", config, "-f", "json", "-m", "revenue,orders").json()["rows"]
    jan = {r["metric"]: r for r in rows if r["period_start"] == "2024-01-01"}
    assert (jan["revenue"]["benchmark_industry"], jan["revenue"]["gap_industry"], jan["revenue"]["ratio_industry"]) == (
        100.0, 50.0, 1.5)
    assert jan["revenue"]["ratio_best"] == 0.75
    assert (jan["orders"]["gap_industry"], jan["orders"]["benchmark_best"]) == (-2.0, None)


def test_benchmark_errors(project):
    with pytest.raises(ConfigError) as caught:
        project.load("benchmarks: {revenu: {industry: 1}, nps: {Industry: 3, peers: high}}\n")
    assert caught.value.problems == [
        "benchmarks.nps.Industry: reference names are lower-case letters, digits and underscores",
        "benchmarks.nps.peers: expected a number, got str 'high'",
    ]
    with pytest.raises(ConfigError) as caught:
        project.plan("benchmarks: {revenu: {industry: 1}}\n")
    assert caught.value.problems == ['benchmarks.revenu: unknown metric (did you mean "revenue"?)']


def test_cron_example_reports_and_mails_misses(shop, tmp_path):
    import os
    import subprocess
    import sys

    from conftest import ROOT

    config = _config(shop)  # revenue misses its minimum in April
    env = {**os.environ, "CRMCTL_CONFIG": config, "CRMCTL_REPORTS": str(tmp_path / "out"), "CRMCTL_MAIL_TO": "",
           "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", str(ROOT / "examples" / "cron.sh")], env=env, capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 1
    assert done.stderr == "MISSED: revenue 2024-04-01..2024-04-30: 40.00 (target min 45.00)\n"
    [report] = (tmp_path / "out").iterdir()
    assert report.read_text().startswith("period_start,period_end,metric,value")

"""The command line through CliRunner: exit codes, stdout for data, stderr for messages."""

from __future__ import annotations

import os

import pytest

from crmctl.config import bundled_config, load_config
from crmctl.errors import ExitCode
from crmctl.report.build import build_report


def test_report_on_the_bundled_sample(cli):
    result = cli("report")
    assert result.exit_code == 0
    assert result.stderr.startswith("note: no ./crmctl.yaml or $CRMCTL_CONFIG; using the bundled sample data")
    assert "segment: Enterprise" in result.stdout and "Revenue (USD)" in result.stdout
    assert "\x1b[" not in result.stdout  # no colour off a terminal


def test_json_output_equals_the_library_result(cli):
    result = cli("report", "--format", "json")
    assert result.exit_code == 0
    library = build_report(load_config(bundled_config())).rows
    rows = result.json()["rows"]
    assert len(rows) == library.height
    first = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in library.row(0, named=True).items()}
    assert rows[0] == first


def test_csv_to_a_file(cli, tmp_path):
    result = cli("report", "--format", "csv", "--output", "out.csv", "-m", "revenue", "--period", "quarter")
    assert result.exit_code == 0 and result.stdout == ""
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines[0] == ("period_start,period_end,segment,metric,value,numerator,denominator,n,note,target,"
                        "benchmark_industry,gap_industry,ratio_industry")
    assert len(lines) == 1 + 6 * 4  # six quarters × Enterprise, Mid-Market, SMB and no segment


def test_options_override_the_config(cli):
    result = cli("report", "-f", "json", "-m", "orders", "--by", "region", "--period", "year", "--from", "2025-01-01")
    meta, rows = result.json()["meta"], result.json()["rows"]
    assert (meta["period"], meta["by"], meta["metrics"]) == ("year", ["region"], ["orders"])
    assert {r["period_start"] for r in rows} == {"2025-01-01"}
    assert sum(r["value"] for r in rows) == meta["datasets"]["orders"]["rows_used"] - _orders_before_2025()


def _orders_before_2025() -> int:
    result = build_report(load_config(bundled_config()))
    frame = result.datasets["orders"].frame
    return frame.filter(frame["ordered_at"].dt.year() < 2025).height


def test_metrics_catalogue(cli):
    result = cli("metrics", "--format", "json")
    assert result.exit_code == 0
    names = [m["name"] for m in result.json()]
    assert [n for n in names if n in ("revenue", "orders", "average_order_value", "sales_growth", "nps")] == [
        "nps", "revenue", "orders", "average_order_value", "sales_growth"]
    one = cli("metrics", "average_order_value", "--format", "json").json()[0]
    assert one["computable"] is True and one["denominator"] == "orders in the period"


def test_metrics_says_what_is_missing(cli, project):
    project.file("o.csv", "a,b,c,d\n")
    config = project.config("datasets:\n  tickets: {path: o.csv, columns: {ticket_id: a, created_at: b}}\n")
    record = cli("metrics", "revenue", "-c", str(config), "-f", "json").json()[0]
    assert record["computable"] is False
    assert record["missing"] == "needs the orders dataset (map it under datasets.orders)"


def test_config_error_exit_code_and_message(cli, project):
    config = project.config("report: {period: monthly}\n")
    result = cli("report", "-c", str(config))
    assert result.exit_code == ExitCode.CONFIG
    assert result.stderr == (f"crmctl: {config}: 1 problem in the config\n"
                             "  - report.period: 'monthly' is not one of day, week, month, quarter, year, all"
                             ' (did you mean "month"?)\n')
    assert result.stdout == ""


def test_data_error_exit_code(cli, shop):
    (shop.root / "orders.csv").write_text("order,customer,date,amt\no1,c1,2024-01-01,5\n")
    result = cli("report", "-c", str(shop.root / "crmctl.yaml"))
    assert result.exit_code == ExitCode.DATA
    assert "column 'amount' is not in the file" in result.stderr and "Traceback" not in result.stderr


def test_usage_errors(cli):
    assert cli("report", "-m", "revenu").exit_code == ExitCode.USAGE
    assert 'unknown metric \'revenu\' (did you mean "revenue"?)' in cli("report", "-m", "revenu").stderr
    result = cli("report", "--by", "segmnt")
    assert result.exit_code == ExitCode.USAGE and '--by segmnt: not a mapped dimension (did you mean "segment"?)' \
        in result.stderr
    assert cli("report", "--from", "31/01/2024").exit_code == ExitCode.USAGE
    assert cli("report", "--period", "fortnight").exit_code == ExitCode.USAGE  # Typer's own check
    assert cli("report", "-m", "revenue", "--family", "sales").exit_code == ExitCode.USAGE


def test_output_error_exit_code(cli, tmp_path):
    result = cli("report", "-f", "csv", "-o", str(tmp_path / "missing" / "r.csv"))
    assert result.exit_code == ExitCode.OUTPUT
    assert "folder" in result.stderr and "does not exist" in result.stderr
    assert not (tmp_path / "missing").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_folder(cli, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert cli("report", "-o", str(locked / "r.txt")).exit_code == ExitCode.OUTPUT


def test_debug_shows_the_traceback(cli, project):
    config = project.config("report: {period: monthly}\n")
    from crmctl.errors import ConfigError

    with pytest.raises(ConfigError):
        cli("--debug", "report", "-c", str(config))


def test_version_and_help(cli):
    from crmctl import __version__

    assert cli("--version").stdout == f"crmctl {__version__}\n"
    for command in ("report", "metrics", "cohorts", "check", "init", "explain"):
        text = cli(command, "--help").stdout
        assert "Examples:" in text and f"crmctl {command}" in text


def test_warning_for_requested_metric_that_cannot_be_computed(cli, project):
    project.file("c.csv", "id,tier\nc1,gold\n")
    config = project.config("datasets:\n  customers: {path: c.csv, columns: {customer_id: id, segment: tier}}\n")
    result = cli("report", "-c", str(config), "-m", "revenue", "-f", "csv", "--allow-empty")
    assert result.exit_code == 0
    assert result.stderr == ("warning: revenue not computed: needs the orders dataset "
                             "(map it under datasets.orders)\n")
    assert result.stdout == "period_start,period_end,metric,value,numerator,denominator,n,note\n"
    refused = cli("report", "-c", str(config), "-m", "revenue", "-f", "csv")  # cron must see an empty report
    assert refused.exit_code == 4 and refused.stdout == ""
    assert refused.stderr.endswith("crmctl: no data: none of the requested metrics can be computed with this config "
                                   "(see the warnings); change the window (--from, --to, --last), or add "
                                   "--allow-empty to accept an empty report (exit 0)\n")


def test_header_only_export_gives_empty_periods_not_an_error(cli, shop):
    (shop.root / "orders.csv").write_text("order,customer,date,amount,status\n")
    config = str(shop.root / "crmctl.yaml")
    result = cli("report", "-c", config, "-m", "revenue", "--from", "2024-01-01", "--to", "2024-02-29", "-f", "json")
    assert result.exit_code == 0
    assert [(r["period_start"], r["value"], r["note"]) for r in result.json()["rows"]] == [
        ("2024-01-01", None, "no data for this period"), ("2024-02-01", None, "no data for this period")]
    table = cli("report", "-c", config, "--allow-empty")
    assert table.exit_code == 0 and table.stdout == "No rows: the data has no dates in the window.\n"
    refused = cli("report", "-c", config)
    assert refused.exit_code == 4 and "crmctl: no data: the data has no dated rows;" in refused.stderr


def test_ctrl_c_exits_130_without_a_traceback(cli, monkeypatch):
    import crmctl.report.build

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(crmctl.report.build, "build_report", interrupted)
    result = cli("report")
    assert result.exit_code == ExitCode.INTERRUPTED and result.stderr.endswith("crmctl: interrupted\n")


def test_tables_for_files_and_pipes_are_not_cut_to_80_columns(cli):
    result = cli("report", "--period", "quarter", "--by", "segment")
    widest = max(len(line) for line in result.stdout.splitlines())
    # Plain text in a pipe (no box drawing, issue 16), every value whole.
    assert widest > 80 and "…" not in result.stdout and "│" not in result.stdout


def test_tracebacks_never_show_local_variables():
    from crmctl.cli import app

    assert app.pretty_exceptions_show_locals is False


def test_metrics_all_selects_every_computable_metric(cli):
    meta = cli("report", "-m", "all", "-f", "json", "--period", "year").json()["meta"]
    from crmctl.metrics.catalogue import METRICS

    assert len(meta["metrics"]) + len(meta["unavailable_metrics"]) == len(METRICS)
    assert set(meta["unavailable_metrics"]) <= {"segmentation_effectiveness", "churn_spread", "cac",
                                                "acquisition_spend", "retention_spend", "roi_spend", "roi",
                                                "clv_cac_ratio", "cac_payback_months", "retention_cost_per_customer",
                                                "market_revenue", "market_share", "data_completeness",
                                                "data_accuracy", "duplicate_rate"}


def test_last_replaces_a_from_in_the_config(cli, shop):
    path = shop.root / "crmctl.yaml"
    path.write_text(path.read_text().replace("report: {period: month,", "report: {from: 2024-01-01, period: month,"))
    result = cli("report", "-c", str(path), "--last", "2m", "-f", "json", "-m", "revenue")
    assert result.exit_code == 0, result.stderr
    assert result.json()["meta"]["window"] == {"from": "2024-03-01", "to": "2024-04-30"}


def test_metrics_all_does_not_warn_about_what_the_config_cannot_compute(cli):
    result = cli("report", "-m", "all", "-f", "csv", "--period", "year", "--by", "region")
    assert result.exit_code == 0 and "warning" not in result.stderr


def test_one_metric_is_shown_as_field_value_lines(cli):
    text = cli("metrics", "nps").stdout
    assert "\ndenominator       NPS responses in the period\n" in text
    assert text.count("\n") > 10  # a line per field, not one wide row


def test_status_line_says_what_is_read_only_after_a_second(monkeypatch):
    import sys
    import time

    import rich.status

    from crmctl import progress
    from crmctl.commands import common

    shown = []
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(rich.status.Status, "start", lambda self: shown.append("start"))
    monkeypatch.setattr(rich.status.Status, "update", lambda self, status: shown.append(str(status)))
    monkeypatch.setattr(rich.status.Status, "stop", lambda self: shown.append("stop"))
    assert common.with_progress(lambda: 7) == 7
    assert shown == ["stop"]  # quick work: never started

    def slow():
        progress.step("reading orders (1/2)")
        time.sleep(1.2)
        progress.step("computing 9 metrics")
        return 8

    shown.clear()
    assert common.with_progress(slow) == 8
    assert shown == ["reading orders (1/2)…", "start", "computing 9 metrics…", "stop"]


def test_the_library_says_what_it_reads_and_computes():
    from crmctl import progress
    from crmctl.report.build import build_report

    messages = []
    with progress.listening(messages.append):
        build_report(load_config(bundled_config()))
    assert messages == ["reading orders (1/4)", "reading subscriptions (2/4)", "reading surveys (3/4)",
                        "reading customers (4/4)", "computing 6 metrics"]
    progress.step("nobody listens")  # outside: a no-op

"""The history store: runs appended, restatements found, `crmctl history` through the CLI."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from crmctl.errors import ExitCode, UsageError
from crmctl.monitor.history import cells, record

JAN, FEB = dt.date(2025, 1, 1), dt.date(2025, 2, 1)


def _number(metric, start, value, segment=None):
    end = start.replace(day=28)
    return {"metric": metric, "period_start": start, "period_end": end, "segment": segment or {}, "value": value,
            "n": 3}


def test_record_and_read_back_with_a_restatement(tmp_path):
    path = tmp_path / "h.sqlite"
    at = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
    config = tmp_path / "c.yaml"
    record(path, "report", config, "month", [_number("revenue", JAN, 100.0), _number("revenue", FEB, 50.0)], at=at)
    record(path, "report", config, "month", [_number("revenue", JAN, 100.0), _number("revenue", FEB, 45.0)],
           at=at + dt.timedelta(days=1))
    record(path, "report", tmp_path / "c.yaml", "week", [_number("revenue", JAN, 1.0)], at=at)  # another series
    period, found = cells(path, "revenue", "month")
    assert period == "month"
    assert [(c.period_start, [r[2] for r in c.reports]) for c in found] == [(JAN, [100.0, 100.0]), (FEB, [50.0, 45.0])]
    assert found[0].restatements == []
    assert found[1].restatements == [("2025-03-02T00:00:00+00:00", 50.0, 45.0)]
    assert cells(path, "revenue")[0] == "week"  # without --period: the latest run's length (the third run)


def test_rounding_noise_is_not_a_restatement_but_a_value_appearing_is(tmp_path):
    path = tmp_path / "h.sqlite"
    for value in (0.1 + 0.2, 0.3, None, 0.3):
        record(path, "check", tmp_path / "c.yaml", "month", [_number("csat", JAN, value)])
    (cell,) = cells(path, "csat")[1]
    assert [(before, after) for _, before, after in cell.restatements] == [(0.3, None), (None, 0.3)]


def test_unknown_metric_and_missing_file(tmp_path):
    path = tmp_path / "h.sqlite"
    with pytest.raises(UsageError, match="no history yet"):
        cells(path, "revenue")
    record(path, "report", tmp_path / "c.yaml", "month", [_number("revenue", JAN, 1.0)])
    with pytest.raises(UsageError, match='no history of \'revenu\' \\(did you mean "revenue"\\?\\)'):
        cells(path, "revenu")


CONFIG = """
    version: 1
    history: {path: runs/history.sqlite}
    datasets:
      orders:
        path: orders.csv
        columns: {order_id: id, customer_id: customer, ordered_at: {column: date, format: "%Y-%m-%d"}, amount: amount}
    report: {period: month, metrics: [revenue]}
"""
ORDERS = "id,customer,date,amount\n1,a,2025-01-05,100\n2,b,2025-02-05,50\n"


def test_report_runs_append_and_history_flags_the_restated_month(cli, project):
    config = project.config(CONFIG)
    (project.root / "runs").mkdir()
    project.file("orders.csv", ORDERS)
    assert cli("report", "-c", str(config)).exit_code == 0
    project.file("orders.csv", ORDERS.replace("1,a,2025-01-05,100", "1,a,2025-01-05,80"))  # a late refund
    assert cli("report", "-c", str(config)).exit_code == 0
    result = cli("history", "revenue", "-c", str(config), "--restated", "-f", "json")
    assert result.exit_code == 0
    (cell,) = result.json()["cells"]
    assert (cell["period_start"], cell["first_value"], cell["last_value"], cell["reports"], cell["restated"]) == (
        "2025-01-01", 100.0, 80.0, 2, 1)
    table = cli("history", "revenue", "-c", str(config)).stdout
    assert "100.00 → 80.00" in table and "1 of 2 periods restated" in table
    runs = sqlite3.connect(project.root / "runs" / "history.sqlite").execute("SELECT command, period FROM runs")
    assert runs.fetchall() == [("report", "month"), ("report", "month")]


def test_history_needs_the_section(cli, project):
    config = project.config(CONFIG.replace("    history: {path: runs/history.sqlite}\n", ""))
    project.file("orders.csv", ORDERS)
    result = cli("history", "revenue", "-c", str(config))
    assert result.exit_code == ExitCode.CONFIG and "no history: section" in result.stderr
    config.write_text(config.read_text() + "history: {file: x}\n")
    result = cli("history", "revenue", "-c", str(config))
    assert result.exit_code == ExitCode.CONFIG and "history.file: unknown key" in result.stderr


def test_history_of_a_metric_never_recorded_is_a_usage_error(cli, project):
    config = project.config(CONFIG)
    (project.root / "runs").mkdir()
    project.file("orders.csv", ORDERS)
    cli("report", "-c", str(config))
    result = cli("history", "nps", "-c", str(config))
    assert result.exit_code == ExitCode.USAGE and "no history of 'nps'" in result.stderr


def test_a_history_file_that_is_not_sqlite_is_an_output_error_naming_it(cli, project):
    config = project.config(CONFIG)
    (project.root / "runs").mkdir()
    (project.root / "runs" / "history.sqlite").write_text("not a database\n" * 100)
    project.file("orders.csv", ORDERS)
    result = cli("report", "-c", str(config))
    assert result.exit_code == ExitCode.OUTPUT
    assert result.stdout.startswith("period")  # the report came out first
    assert "history.path" in result.stderr and "history.sqlite: cannot write the history" in result.stderr

"""Config errors: every problem at once, each with its key path and the closest valid name."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from crmctl.config import bundled_config, find_config, load_config
from crmctl.errors import ConfigError, ExitCode

MINIMAL = textwrap.dedent("""
    datasets:
      orders:
        path: orders.csv
        columns: {order_id: id, customer_id: cust, ordered_at: date, amount: total}
""")


def _problems(project, text) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        project.load(text)
    assert caught.value.exit_code == ExitCode.CONFIG
    return caught.value.problems


def test_minimal_config_gets_documented_defaults(project):
    config = project.load(MINIMAL)
    assert (config.timezone, config.week_start, config.fiscal_year_start_month) == ("UTC", "monday", 1)
    assert config.report.period == "month"
    assert config.knob("churn_after_days") == 90
    orders = config.datasets["orders"]
    assert orders.paths == (project.root / "orders.csv",)  # relative to the config file
    assert orders.columns["amount"].kind == "number" and orders.columns["order_id"].kind == "id"


def test_all_problems_are_reported_together_with_suggestions(project):
    problems = _problems(project, """
        timezon: UTC
        week_start: mondey
        datasets:
          order:
            path: o.csv
          tickets:
            path: t.csv
            colums: {}
            columns: {ticket_id: Id, created_at: {column: Created, fromat: "%Y"}}
        report:
          period: monthly
          metrics: [revenu]
    """)
    assert problems == [
        'timezon: unknown key (did you mean "timezone"?)',
        "week_start: 'mondey' is not one of monday, tuesday, wednesday, thursday, friday, saturday, sunday"
        ' (did you mean "monday"?)',
        'datasets.order: unknown dataset (did you mean "orders"?) (one of customers, orders, subscriptions, '
        "surveys, tickets, leads, interactions, spend, market, assignments)",
        'datasets.tickets.colums: unknown key (did you mean "columns"?)',
        'datasets.tickets.columns.created_at.fromat: unknown key (did you mean "format"?)',
        "report.period: 'monthly' is not one of day, week, month, quarter, year, all (did you mean \"month\"?)",
    ]


def test_metric_names_are_checked_when_a_report_is_planned(project):
    project.load(MINIMAL + "report: {metrics: [revenu]}\n")  # the YAML itself is fine
    with pytest.raises(ConfigError) as caught:
        project.plan(MINIMAL + "report: {metrics: [revenu], family: sale}\n")
    assert caught.value.problems == [
        "report.metrics: unknown metric 'revenu' (did you mean \"revenue\"?)",
        "report.family: unknown family 'sale' (did you mean \"sales\"?)",
    ]


def test_wrong_types_and_missing_required_fields(project):
    problems = _problems(project, """
        fiscal_year_start_month: 13
        datasets:
          orders:
            columns: {order_id: id, amount: 5}
            max_invalid_ratio: lots
        definitions: {churn_after_days: soon, gross_margn: 0.5}
    """)
    assert problems == [
        "fiscal_year_start_month: 13 is not a month number 1-12",
        "datasets.orders.path: missing: the export file (relative to the config file; globs allowed), or source: a database table",
        "datasets.orders.columns.amount: expected a column name or a mapping with column, format, values …, got int 5",
        "datasets.orders.columns.customer_id: missing: orders needs the field customer_id, or another key of the "
        "customer that customers also maps (customer_external_id or customer_email)",
        "datasets.orders.columns.ordered_at: missing: orders needs the field ordered_at",
        "datasets.orders.max_invalid_ratio: expected a fraction 0-1, got str 'lots'",
        'definitions.gross_margn: unknown key (did you mean "gross_margin"?)',
        "definitions.churn_after_days: expected int, got str 'soon'",
    ]


def test_message_names_the_file_and_counts_problems(project):
    with pytest.raises(ConfigError) as caught:
        project.load("bogus: 1\nother: 2\n")
    assert str(caught.value).splitlines()[0] == f"{project.root / 'crmctl.yaml'}: 2 problems in the config"


def test_yaml_syntax_error_names_line_and_column(project):
    with pytest.raises(ConfigError, match=r"crmctl.yaml: YAML syntax error at line 2, column 15: "
                                          r"mapping values are not allowed here"):
        project.load("datasets:\n  orders: path: x\n")


def test_duplicate_keys_are_an_error(project):
    with pytest.raises(ConfigError) as caught:
        project.load("timezone: UTC\nweek_start: monday\ntimezone: Europe/Berlin\n")
    assert caught.value.problems == ["line 3: key 'timezone' appears twice (first on line 1)"]


def test_unsafe_tags_are_refused(project):
    with pytest.raises(ConfigError, match="could not determine a constructor"):
        project.load("version: !!python/object/apply:os.system ['echo hi']\n")


def test_yes_and_no_stay_strings_in_value_maps_and_where(project):
    config = project.load("""
        datasets:
          customers:
            path: c.csv
            columns:
              customer_id: id
              churned: {column: Churn, values: {Yes: true, No: false}}
              plan: Plan
            where: {plan: [On, Off, Y]}
    """)
    spec = config.datasets["customers"]
    assert dict(spec.columns["churned"].values) == {"Yes": "true", "No": "false"}
    assert spec.where["plan"] == ("On", "Off", "Y")


def test_dates_work_quoted_or_not(project):
    config = project.load(MINIMAL + "report: {from: 2024-01-01, to: '2024-03-31'}\n")
    assert (config.report.start, config.report.end) == (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert _problems(project, MINIMAL + "report: {from: 31/01/2024}\n") == [
        "report.from: '31/01/2024' is not a date like 2024-01-31"]


def test_unknown_time_zone_gets_a_suggestion(project):
    assert _problems(project, "timezone: Europe/Berln\n") == [
        "timezone: unknown time zone 'Europe/Berln' (did you mean \"Europe/Berlin\"?)"]


def test_where_on_an_unmapped_field(project):
    assert _problems(project, MINIMAL + "    where: {stauts: [paid]}\n") == [
        "datasets.orders.where.stauts: not a mapped column"]


def test_targets_name_known_metrics(project):
    assert _problems(project, MINIMAL + "targets: {revenu: {min: 1}, orders: {minimum: 2}}\n") == [
        'targets.orders.minimum: unknown key (did you mean "min"?)',
    ]
    with pytest.raises(ConfigError) as caught:
        project.plan(MINIMAL + "targets: {revenu: {min: 1}}\n")
    assert caught.value.problems == ['targets.revenu: unknown metric (did you mean "revenue"?)']


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope.yaml: config file not found \(create one with `crmctl init`"):
        load_config(tmp_path / "nope.yaml")


def test_discovery_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CRMCTL_CONFIG", raising=False)
    path, note = find_config(None)
    assert path == bundled_config() and note.startswith("note: no ./crmctl.yaml or $CRMCTL_CONFIG")
    monkeypatch.setenv("CRMCTL_CONFIG", str(tmp_path / "env.yaml"))
    assert find_config(None) == (tmp_path / "env.yaml", None)
    (tmp_path / "crmctl.yaml").write_text("version: 1\n")
    assert find_config(None) == (Path("crmctl.yaml"), None)
    assert find_config("other.yaml") == (Path("other.yaml"), None)


def test_the_example_config_loads_and_maps_every_dataset():
    from crmctl.domain.datasets import CANONICAL

    config = load_config(bundled_config())
    assert set(config.datasets) == set(CANONICAL)  # assignments too: the sample's checkout-2024 experiment


def test_alias_expansion_is_bounded(project):
    text = "a: &a [1, 2, 3]\n" + "".join(f"b{i}: [*a, *a, *a]\n" for i in range(60))
    with pytest.raises(ConfigError, match="cannot read YAML: more than 100 aliases; write the values out"):
        project.load(text)

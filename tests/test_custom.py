"""Custom metrics: the expression parser, config errors, and values in reports."""

from __future__ import annotations

import re

import polars as pl
import pytest

from crmctl.config import load_config
from crmctl.config.custom_metrics import ExpressionError, names, parse, to_polars
from crmctl.errors import ConfigError
from crmctl.report.build import build_report, with_overrides


@pytest.mark.parametrize("text,expected", [
    ("1 + 2 * 3", 7.0), ("(1 + 2) * 3", 9.0), ("10 - 4 - 3", 3.0), ("8 / 4 / 2", 1.0), ("-a * -2", 4.0),
    ("2 * -a", -4.0), ("max(a, b / 2, 1) - min(a, 0.5)", 2.5), ("a / (b - 6)", None), ("a * missing", None),
    ("max(a, missing)", None), (".5 + 1.", 1.5),
])
def test_expression_values(text, expected):
    frame = pl.DataFrame({"a": [2.0], "b": [6.0], "missing": [None]}, schema={"a": pl.Float64, "b": pl.Float64,
                                                                              "missing": pl.Float64})
    assert frame.select(to_polars(parse(text)).alias("v")).item() == expected


@pytest.mark.parametrize("text,message", [
    ("2 +", "the expression ends too early"), ("a $ b", "unexpected character '$'"), ("(a + 1", "a '(' is not closed"),
    ("sqrt(a)", "unknown function 'sqrt' (functions: min, max)"), ("a b", "unexpected 'b'"), ("", "empty expression"),
    ("max(a, b", "a function's '(' is not closed"), ("__import__(os)", "unknown function '__import__'"), ("a('x')", "unexpected character \"'\""),
])
def test_expression_errors(text, message):
    with pytest.raises(ExpressionError, match=re.escape(message)):
        parse(text)


def test_names_used():
    assert names(parse("nps + 2 * max(csat, churn_rate) / revenue")) == {"nps", "csat", "churn_rate", "revenue"}


def test_config_errors_name_the_key_path(project):
    with pytest.raises(ConfigError) as caught:
        project.load("""
            custom_metrics:
              a: {expression: b + 1}
              b: {expression: a * 2}
              c: {expression: revenu / 2, unit: dollars}
              revenue: {expression: orders}
              d: {expression: "1 +"}
        """)
    assert caught.value.problems == [
        "custom_metrics.c.unit: 'dollars' is not one of ratio, count, money, months, days, hours, seconds, score",
        "custom_metrics.d.expression: the expression ends too early in '1 +'",
        "custom_metrics.a.expression: refers to itself: a → b → a",
    ]
    with pytest.raises(ConfigError) as caught:  # names against the catalogue: when a report is planned
        project.plan("""
            custom_metrics:
              c: {expression: revenu / 2}
              revenue: {expression: orders}
        """)
    assert caught.value.problems == [
        'custom_metrics.c.expression: unknown metric \'revenu\' (did you mean "revenue"?)',
        "custom_metrics.revenue: a built-in metric has this name; choose another",
    ]


def test_custom_metrics_in_a_report(shop):
    path = shop.root / "crmctl.yaml"
    path.write_text(path.read_text() + """
custom_metrics:
  revenue_per_order_k: {expression: revenue / orders / 1000, unit: money, title: Revenue per order (k)}
  doubled: {expression: 2 * revenue_per_order_k, unit: money}
targets: {doubled: {min: 0.1}}
""")
    config = load_config(path)
    result = build_report(config, with_overrides(config.report, metrics=("doubled", "revenue_per_order_k")))
    values = {(r["metric"], r["period_start"].month): r for r in result.rows.to_dicts()}
    assert values[("revenue_per_order_k", 1)]["value"] == pytest.approx(0.075)
    assert values[("doubled", 1)]["value"] == pytest.approx(0.15) and values[("doubled", 1)]["target"] == "met"
    assert values[("doubled", 3)]["value"] is None  # no orders in March: division by zero
    assert values[("doubled", 3)]["note"] == "no data for this period"


def test_custom_metrics_are_in_the_catalogue(cli, shop):
    path = shop.root / "crmctl.yaml"
    path.write_text(path.read_text() + "custom_metrics: {net: {expression: revenue - 10}}\n")
    record = cli("metrics", "net", "-c", str(path), "-f", "json").json()[0]
    assert (record["family"], record["computable"], record["requires"]) == (
        "custom", True, ["orders.amount", "orders.ordered_at"])

"""The sales family on a hand-computed fixture (see `shop` in conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from crmctl.config import load_config
from crmctl.report.build import build_report, with_overrides


def _values(result, metric, **segment):
    rows = result.rows.filter(metric=metric)
    for key, value in segment.items():
        rows = rows.filter(rows[key].is_null()) if value is None else rows.filter(rows[key] == value)
    return {r["period_start"].strftime("%Y-%m"): r for r in rows.to_dicts()}


def test_monthly_totals_with_an_empty_month(shop):
    result = build_report(load_config(shop.root / "crmctl.yaml"))
    revenue = _values(result, "revenue")
    assert {p: r["value"] for p, r in revenue.items()} == {
        "2024-01": 150.0, "2024-02": 50.0, "2024-03": 0.0, "2024-04": 40.0}
    orders = _values(result, "orders")
    assert [orders[p]["value"] for p in sorted(orders)] == [2, 2, 0, 1]
    assert revenue["2024-03"]["n"] == 0 and revenue["2024-03"]["note"] is None
    assert revenue["2024-02"]["period_end"] == dt.date(2024, 2, 29)


def test_average_order_value_is_null_with_a_reason_when_there_are_no_orders(shop):
    aov = _values(build_report(load_config(shop.root / "crmctl.yaml")), "average_order_value")
    assert aov["2024-01"]["value"] == pytest.approx(75.0)
    assert (aov["2024-01"]["numerator"], aov["2024-01"]["denominator"]) == (150.0, 2.0)
    assert aov["2024-03"]["value"] is None
    assert aov["2024-03"]["note"] == "no orders in the period"


def test_sales_growth_against_the_previous_period(shop):
    growth = _values(build_report(load_config(shop.root / "crmctl.yaml")), "sales_growth")
    assert growth["2024-01"]["value"] is None  # nothing before January
    assert growth["2024-02"]["value"] == pytest.approx(50 / 150 - 1)
    assert (growth["2024-02"]["numerator"], growth["2024-02"]["denominator"]) == (-100.0, 150.0)
    assert growth["2024-03"]["value"] == pytest.approx(-1.0)
    assert growth["2024-04"]["value"] is None
    assert growth["2024-04"]["note"] == "no revenue in the previous period"


def test_split_by_segment_keeps_customers_without_one(shop):
    config = load_config(shop.root / "crmctl.yaml")
    result = build_report(config, with_overrides(config.report, by=("segment",)))
    gold = _values(result, "revenue", segment="gold")
    assert {p: r["value"] for p, r in gold.items()} == {"2024-01": 100.0, "2024-02": 30.0, "2024-03": 0.0,
                                                         "2024-04": 0.0}
    # c3 has a blank tier and c9 is not in customers: both land in the null segment.
    none = _values(result, "revenue", segment=None)
    assert {p: r["value"] for p, r in none.items()} == {"2024-01": 0.0, "2024-02": 20.0, "2024-03": 0.0,
                                                         "2024-04": 40.0}
    assert set(result.rows["segment"].unique().to_list()) == {"gold", "silver", None}


def test_where_filter_counts_rows_it_drops(shop):
    result = build_report(load_config(shop.root / "crmctl.yaml"))
    orders = result.datasets["orders"]
    assert (orders.rows_read, orders.rows_filtered, orders.rows_skipped, orders.rows_used) == (6, 1, 0, 5)
    assert result.meta["rows_read"] == 6


def test_window_and_compare(shop):
    config = load_config(shop.root / "crmctl.yaml")
    spec = with_overrides(config.report, start=dt.date(2024, 2, 1), end=dt.date(2024, 3, 31),
                          compare="previous", metrics=("revenue",))
    rows = build_report(config, spec).rows
    assert rows["period_start"].to_list() == [dt.date(2024, 2, 1), dt.date(2024, 3, 1)]
    assert rows["previous"].to_list() == [150.0, 50.0]
    assert rows["change"].to_list() == [-100.0, -50.0]
    assert rows["change_ratio"].to_list() == pytest.approx([-2 / 3, -1.0])


def test_window_beyond_the_data_reports_null_periods(shop):
    config = load_config(shop.root / "crmctl.yaml")
    spec = with_overrides(config.report, end=dt.date(2024, 6, 30), metrics=("revenue",))
    revenue = _values(build_report(config, spec), "revenue")
    assert revenue["2024-05"]["value"] is None
    assert revenue["2024-05"]["note"] == "no data for this period"
    assert revenue["2024-06"]["value"] is None


def test_period_all_is_the_whole_window(shop):
    config = load_config(shop.root / "crmctl.yaml")
    spec = with_overrides(config.report, period="all", start=dt.date(2024, 1, 10), end=dt.date(2024, 2, 29),
                          metrics=("revenue", "orders"))
    rows = build_report(config, spec).rows
    assert rows.select("metric", "value", "period_start", "period_end").rows() == [
        ("revenue", 100.0, dt.date(2024, 1, 10), dt.date(2024, 2, 29)),
        ("orders", 3.0, dt.date(2024, 1, 10), dt.date(2024, 2, 29)),
    ]


def test_year_compare_on_quarters(project):
    project.file("orders.csv", """
        order,customer,date,amount
        a,c1,2023-02-01,10
        b,c1,2024-02-01,15
    """)
    config = project.load("""
        datasets:
          orders:
            path: orders.csv
            columns: {order_id: order, customer_id: customer, ordered_at: date, amount: amount}
    """)
    spec = with_overrides(config.report, period="quarter", compare="year", metrics=("revenue",),
                          start=dt.date(2024, 1, 1))
    rows = build_report(config, spec).rows
    assert rows.select("value", "previous", "change").row(0) == (15.0, 10.0, 5.0)

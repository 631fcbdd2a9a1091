"""Data quality and segmentation metrics on hand-computed fixtures."""

from __future__ import annotations

import pytest

from crmctl.config import load_config
from crmctl.report.build import build_report, with_overrides


def _rows(project, metrics, by=()):
    config = load_config(project.root / "crmctl.yaml")
    rows = build_report(config, with_overrides(config.report, metrics=metrics, by=by)).rows
    return {(r["metric"], r["period_start"].month, *(r[b] for b in by)): r for r in rows.to_dicts()
            if r["period_start"].year == 2024}


@pytest.fixture
def messy(project):
    """customers: 4 rows in January, c2 twice, c3 without a region, c4 created in 2099 (future).
    orders: 3 rows in January, one amount 'oops', an all-empty note column."""
    project.file("customers.csv", """
        id,created,region
        c1,2024-01-02,EMEA
        c2,2024-01-03,EMEA
        c2,2024-01-04,APAC
        c3,2024-01-05,
        c4,2099-01-05,EMEA
    """)
    project.file("orders.csv", """
        id,customer,at,amount,note
        o1,c1,2024-01-10,10,
        o2,c2,2024-01-11,oops,
        o3,c3,2024-01-12,30,
    """)
    project.config("""
        datasets:
          customers: {path: customers.csv, columns: {customer_id: id, created_at: created, region: region}}
          orders:
            path: orders.csv
            max_invalid_ratio: 0.5
            columns: {order_id: id, customer_id: customer, ordered_at: at, amount: amount, note: note}
    """)
    return project


def test_completeness_by_dataset_and_field(messy):
    v = _rows(messy, ("data_completeness",), by=("dataset", "field"))
    assert v[("data_completeness", 1, "customers", "region")]["value"] == 0.75  # c3 has none (c4 is in 2099)
    assert v[("data_completeness", 1, "orders", "note")]["value"] == 0.0  # an all-null column
    assert v[("data_completeness", 1, "orders", "amount")]["value"] == 1.0  # 'oops' is a value, just invalid
    overall = _rows(messy, ("data_completeness",))[("data_completeness", 1)]
    # January cells: customers 4 rows × 3 fields (1 empty), orders 3 rows × 5 fields (3 empty notes).
    assert (overall["numerator"], overall["denominator"]) == (12 + 15 - 4, 12 + 15)


def test_accuracy_and_duplicates(messy):
    v = _rows(messy, ("data_accuracy", "duplicate_rate"), by=("dataset",))
    # customers in January: c1 valid; both c2 rows duplicated; c3 valid (region is optional).
    assert v[("data_accuracy", 1, "customers")]["value"] == 0.5
    assert v[("duplicate_rate", 1, "customers")]["value"] == 0.5
    # orders: o2's amount does not parse.
    assert v[("data_accuracy", 1, "orders")]["value"] == pytest.approx(2 / 3)
    assert v[("duplicate_rate", 1, "orders")]["value"] == 0.0


def test_future_dates_are_invalid_and_do_not_stretch_the_window(messy):
    config = load_config(messy.root / "crmctl.yaml")
    result = build_report(config, with_overrides(config.report, metrics=("data_accuracy",), by=("dataset",)))
    quality = result.datasets["customers"].quality
    assert quality.filter(quality["_time"].dt.year() == 2099)["_valid"].to_list() == [False]
    assert (str(result.window.start), str(result.window.end)) == ("2024-01-02", "2024-01-12")


def test_quality_metrics_split_only_by_dataset_and_field(messy):
    config = load_config(messy.root / "crmctl.yaml")
    result = build_report(config, with_overrides(config.report, metrics=("data_accuracy", "revenue"),
                                                 by=("dataset", "field")))
    assert result.unavailable == {
        "data_accuracy": "cannot split by field: data-quality metrics split by dataset",
        "revenue": "cannot split by dataset: not a dimension of orders or of customers linked by customer_id",
    }


@pytest.fixture
def spenders(project):
    """Per-customer January revenue: gold a 100, b 300; silver c 10, d 30."""
    project.file("customers.csv", "id,tier\na,gold\nb,gold\nc,silver\nd,silver\n")
    project.file("orders.csv", "id,customer,at,amount\n1,a,2024-01-02,100\n2,b,2024-01-03,200\n3,b,2024-01-04,100\n"
                               "4,c,2024-01-05,10\n5,d,2024-01-06,30\n")
    project.config("""
        datasets:
          customers: {path: customers.csv, columns: {customer_id: id, segment: tier}}
          orders: {path: orders.csv, columns: {order_id: id, customer_id: customer, ordered_at: at, amount: amount}}
    """)
    return project


def test_eta_squared(spenders):
    # Mean 110; total SS = 100+36100+10000+6400 = 52600; group means 200 and 20: between = 2·90² + 2·90² = 32400.
    rows = _rows(spenders, ("segmentation_effectiveness",), by=("segment",))
    for tier in ("gold", "silver"):
        row = rows[("segmentation_effectiveness", 1, tier)]
        assert (row["numerator"], row["denominator"]) == (32400.0, 52600.0)
        assert row["value"] == pytest.approx(32400 / 52600)


def test_eta_squared_with_a_single_segment_is_zero(spenders):
    (spenders.root / "customers.csv").write_text("id,tier\na,gold\nb,gold\nc,gold\nd,gold\n")
    assert _rows(spenders, ("segmentation_effectiveness",), by=("segment",))[
        ("segmentation_effectiveness", 1, "gold")]["value"] == 0.0


def test_segment_comparisons_need_by(spenders):
    config = load_config(spenders.root / "crmctl.yaml")
    result = build_report(config, with_overrides(config.report, metrics=("segmentation_effectiveness",)))
    assert result.unavailable == {"segmentation_effectiveness": "needs segments to compare: add --by (e.g. --by segment)"}


def test_churn_spread(project):
    """Subscriptions: gold x, y and silver z all start in January; y churns in February."""
    project.file("customers.csv", "id,tier\nx,gold\ny,gold\nz,silver\n")
    project.file("subs.csv", "id,cust,start,end\n1,x,2024-01-01,\n2,y,2024-01-01,2024-02-10\n3,z,2024-01-01,\n")
    project.config("""
        datasets:
          customers: {path: customers.csv, columns: {customer_id: id, segment: tier}}
          subscriptions: {path: subs.csv, columns: {subscription_id: id, customer_id: cust, started_at: start,
                                                    ended_at: end}}
    """)
    rows = _rows(project, ("churn_spread",), by=("segment",))
    assert rows[("churn_spread", 2, "gold")]["value"] == 0.5 and rows[("churn_spread", 2, "silver")]["value"] == 0.5

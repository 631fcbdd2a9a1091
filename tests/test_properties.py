"""Invariants of a report on arbitrary orders: segments add up, counts match rows, AOV × orders = revenue."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmctl.config import parse_config
from crmctl.report.build import build_report, with_overrides

order = st.tuples(
    st.sampled_from(["c1", "c2", "c3", "c4", "ghost"]),
    st.datetimes(min_value=dt.datetime(2023, 12, 25), max_value=dt.datetime(2024, 6, 5)),
    st.decimals(min_value=-100, max_value=10_000, places=2, allow_nan=False),
    st.sampled_from(["paid", "refunded"]),
)

CONFIG = {
    "datasets": {
        "customers": {"path": "customers.csv", "columns": {"customer_id": "id", "segment": "tier"}},
        "orders": {"path": "orders.csv", "where": {"status": ["paid"]},
                   "columns": {"order_id": "n", "customer_id": "c", "ordered_at": "t", "amount": "a", "status": "s"}},
    },
    "report": {"metrics": ["revenue", "orders", "average_order_value"]},
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=st.lists(order, min_size=1, max_size=40), period=st.sampled_from(["week", "month", "quarter"]))
def test_report_invariants(tmp_path, orders, period):
    (tmp_path / "customers.csv").write_text("id,tier\nc1,a\nc2,a\nc3,b\nc4,\n")
    lines = [f"o{i},{c},{t:%Y-%m-%d %H:%M:%S},{a},{s}" for i, (c, t, a, s) in enumerate(orders)]
    (tmp_path / "orders.csv").write_text("n,c,t,a,s\n" + "\n".join(lines) + "\n")
    config = parse_config(CONFIG, tmp_path / "crmctl.yaml")
    spec = with_overrides(config.report, period=period)
    total = build_report(config, spec)
    split = build_report(config, with_overrides(spec, by=("segment",)))
    paid = [o for o in orders if o[3] == "paid"]

    def values(result, metric):
        return result.rows.filter(metric=metric)

    # Rows used are exactly the paid orders, and every one lands in some period.
    assert total.datasets["orders"].rows_used == len(paid)
    assert (values(total, "orders")["value"].fill_null(0).sum()) == len(paid)
    # Revenue is the sum of paid amounts, and segments add up to the total in every period.
    assert values(total, "revenue")["value"].fill_null(0).sum() == pytest.approx(float(sum(o[2] for o in paid)))
    by_period = values(split, "revenue").group_by("period_start").agg(pl.col("value").fill_null(0).sum())
    joined = values(total, "revenue").join(by_period, on="period_start", suffix="_split")
    assert joined.height == values(total, "revenue").height
    for row in joined.iter_rows(named=True):
        assert (row["value"] or 0) == pytest.approx(row["value_split"], abs=1e-6)
    # AOV × orders = revenue wherever AOV is defined; it is null exactly where there are no orders.
    aov = values(total, "average_order_value").join(values(total, "orders"), on="period_start", suffix="_orders")
    for row in aov.iter_rows(named=True):
        if row["value_orders"]:
            assert row["value"] * row["value_orders"] == pytest.approx(row["numerator"], abs=1e-6)
        else:
            assert row["value"] is None and row["note"] == "no orders in the period"

"""crmctl customers: hand-computed summary columns, a differential test, and the CLI end to end."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest
from hypothesis import given, settings, strategies as st

from crmctl.customers.summary import summarise
from crmctl.domain.timeline import span_weeks as horizon_weeks

FORMATS = ("table", "csv", "json", "markdown")


def orders(*rows) -> pl.LazyFrame:
    return pl.LazyFrame({"customer_id": [r[0] for r in rows],
                         "ordered_at": [r[1] if isinstance(r[1], dt.datetime) else dt.datetime.fromisoformat(r[1]) for r in rows],
                         "amount": [float(r[2]) for r in rows]})


def test_same_day_orders_are_one_purchase_and_times_are_weeks_of_days():
    frame = summarise(orders(
        ("a", "2025-01-01 09:00", 10), ("a", "2025-01-01 18:00", 5),  # one purchase day worth 15
        ("a", "2025-01-15 12:00", 20), ("a", "2025-01-29 08:00", 40),
        ("b", "2025-01-22 10:00", 7),
        ("a", "2025-02-01 00:00", 999),  # after the as-of day: ignored
    ), dt.date(2025, 1, 29)).collect().sort("customer_id")
    a, b = frame.to_dicts()
    assert (a["orders"], a["revenue"], a["frequency"]) == (4, 75.0, 2)
    assert a["recency_weeks"] == 4.0 and a["age_weeks"] == 4.0  # 28 days
    assert a["mean_repeat_value"] == 30.0  # (20 + 40) / 2: the first day's 15 is not a repeat
    assert a["first_order_at"] == dt.datetime(2025, 1, 1, 9) and a["last_order_at"] == dt.datetime(2025, 1, 29, 8)
    assert (b["frequency"], b["recency_weeks"], b["age_weeks"], b["mean_repeat_value"]) == (0, 0.0, 1.0, None)


def test_orders_on_the_as_of_day_count_and_later_ones_do_not():
    frame = summarise(orders(("a", "2025-03-01 00:00", 1), ("a", "2025-03-08 23:59", 2),
                             ("a", "2025-03-09 00:00", 4)), dt.date(2025, 3, 8)).collect()
    assert frame.row(0, named=True)["revenue"] == 3.0 and frame["age_weeks"][0] == 1.0


def test_horizon_is_calendar_time_in_weeks():
    assert horizon_weeks(dt.date(2025, 1, 1), "39w") == 39.0
    assert horizon_weeks(dt.date(2025, 1, 1), "12m") == 365 / 7
    assert horizon_weeks(dt.date(2025, 1, 1), "90d") == 90 / 7
    assert horizon_weeks(dt.date(2024, 1, 1), "1y") == 366 / 7


def plain_summary(rows, as_of):
    """The same definitions, in plain Python: dicts of day → value."""
    out = {}
    for customer, when, amount in rows:
        if when.date() <= as_of:
            out.setdefault(customer, []).append((when, amount))
    result = {}
    for customer, items in out.items():
        days = {}
        for when, amount in items:
            days[when.date()] = days.get(when.date(), 0.0) + amount
        first, last = min(days), max(days)
        repeat = [v for d, v in days.items() if d != first]
        result[customer] = dict(orders=len(items), revenue=sum(a for _, a in items), frequency=len(days) - 1,
                                recency_weeks=(last - first).days / 7, age_weeks=(as_of - first).days / 7,
                                mean_repeat_value=sum(repeat) / len(repeat) if repeat else None)
    return result


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 60))
def test_summary_matches_plain_python(seed, n_orders):
    rng = random.Random(seed)
    start = dt.datetime(2025, 1, 1)
    rows = [(f"c{rng.randint(1, 8)}", start + dt.timedelta(hours=rng.randint(0, 24 * 60)),
             round(rng.uniform(1, 100), 2)) for _ in range(n_orders)]
    as_of = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 60))
    ours = {r["customer_id"]: r for r in summarise(orders(*rows), as_of).collect().to_dicts()}
    theirs = plain_summary(rows, as_of)
    assert set(ours) == set(theirs)
    for customer, expected in theirs.items():
        for key, value in expected.items():
            assert ours[customer][key] == (None if value is None else pytest.approx(value)), (customer, key)


def test_too_few_repeat_customers_keep_the_descriptive_columns(cli, project):
    project.file("orders.csv", """
        id,customer,date,amount
        1,a,2025-01-01,10
        2,a,2025-02-01,20
        3,b,2025-01-05,30
    """)
    project.config("""
        version: 1
        datasets:
          orders:
            path: orders.csv
            columns: {order_id: id, customer_id: customer, ordered_at: date, amount: amount}
    """)
    import os

    os.chdir(project.root)
    result = cli("customers", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert "1 customers with a repeat purchase; BG/NBD needs at least 30" in result.stderr
    body = result.json()
    assert body["meta"]["models"] == {"bg_nbd": None, "gamma_gamma": None}
    assert body["meta"]["as_of"] == "2025-02-01" and len(body["meta"]["warnings"]) == 2
    a = next(r for r in body["rows"] if r["customer_id"] == "a")
    assert (a["orders"], a["revenue"], a["frequency"], a["p_alive"], a["predicted_clv"]) == (2, 30.0, 1, None, None)


@pytest.mark.parametrize("fmt", FORMATS)
def test_sample_data_runs_in_every_format(cli, fmt):
    result = cli("customers", "--by", "segment", "--top", "5", "-f", fmt)
    assert result.exit_code == 0, result.stderr
    assert "segment" in result.stdout and "predicted_clv" in result.stdout


def test_sample_json_shape_and_sort(cli):
    body = cli("customers", "--where", "segment=Enterprise", "--sort", "-revenue", "-f", "json").json()
    meta, rows = body["meta"], body["rows"]
    assert set(meta["models"]["bg_nbd"]) == {"r", "alpha", "a", "b", "time_unit", "log_likelihood", "n_customers"}
    assert set(meta["models"]["gamma_gamma"]) == {"p", "q", "v", "log_likelihood", "n_customers"}
    assert meta["time_unit"] == "week" and meta["horizon"] == "12m" and meta["rows_read"] > 0
    assert rows and {r["segment"] for r in rows} == {"Enterprise"}
    revenues = [r["revenue"] for r in rows]
    assert revenues == sorted(revenues, reverse=True)
    assert all(0 <= r["p_alive"] <= 1 for r in rows)


def test_sample_holdout(cli):
    body = cli("customers", "--as-of", "2025-03-31", "--validate", "-f", "json").json()
    assert body["rows"][-1]["repeat_purchases"] == "all"
    assert body["meta"]["total_actual"] == pytest.approx(sum(r["actual_total"] for r in body["rows"][:-1]))


def test_unknown_dimension_and_bad_where_are_usage_errors(cli):
    result = cli("customers", "--by", "segmnt")
    assert result.exit_code == 2 and "'segmnt' is not a customer dimension" in result.stderr
    result = cli("customers", "--where", "segment")
    assert result.exit_code == 2 and "expected dimension=value" in result.stderr


def test_a_first_order_today_is_a_new_customer():
    import numpy as np

    from crmctl.customers.fit import bg_nbd_predictions
    from crmctl.models import BgNbdFit, expected_purchases, expected_purchases_new

    fit = BgNbdFit(0.243, 4.414, 0.793, 2.426, 0.0, 2357, True, "week")
    x, t_x, T = np.array([0.0, 2.0]), np.array([0.0, 10.0]), np.array([0.0, 20.0])
    alive, orders = bg_nbd_predictions(fit, 39.0, x, t_x, T)
    assert alive[0] == 1.0 and orders[0] == pytest.approx(float(expected_purchases_new(fit, 39.0)))
    assert orders[1] == pytest.approx(float(expected_purchases(fit, 39.0, 2.0, 10.0, 20.0)[0]))
    # continuity: a customer seen for a minute expects nearly what a brand-new one does
    assert float(expected_purchases(fit, 39.0, 0.0, 0.0, 1e-6)[0]) == pytest.approx(orders[0], rel=1e-4)

"""Subscription CLV in crmctl customers: months and tenures by hand, a cohort whose DERL is computed
from crmctl.models directly, and the table's predicted_clv and clv_basis end to end."""

from __future__ import annotations

import datetime as dt
import os

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmctl.customers.subscriptions import cohort_derl, survivors, tenures, whole_months
from crmctl.models.clv import per_period_rate
from crmctl.models.sbg import discounted_expected_residual_lifetime, fit_sbg

AS_OF = dt.date(2024, 7, 1)
# One January cohort of 100: (customers, renewals made before churning); 48 still running after 6 renewals.
CHURNED = [(20, 0), (12, 1), (8, 2), (5, 3), (4, 4), (3, 5)]
COUNTS = [100, 80, 68, 60, 55, 51, 48]


def months_between(a: str, b: str) -> int:
    frame = pl.DataFrame({"a": [dt.date.fromisoformat(a)], "b": [dt.date.fromisoformat(b)]})
    return frame.select(whole_months(pl.col("a"), pl.col("b"))).item()


def test_whole_calendar_months():
    assert months_between("2024-01-10", "2024-03-09") == 1
    assert months_between("2024-01-10", "2024-03-10") == 2
    assert months_between("2024-01-31", "2024-02-29") == 0  # a month completes on the same day
    assert months_between("2023-11-15", "2024-02-20") == 3


def subscriptions() -> pl.DataFrame:
    rows = []
    for group, (count, renewals) in enumerate(CHURNED):
        for i in range(count):
            end = dt.datetime(2024, 1 + renewals, 20)  # started on the 5th: `renewals` complete months
            rows.append((f"c{group}_{i}", dt.datetime(2024, 1, 5), end, 30.0))
    rows += [(f"live_{i}", dt.datetime(2024, 1, 5), None, 50.0) for i in range(48)]
    rows += [("late", dt.datetime(2024, 8, 1), None, 99.0)]  # after the as-of day: ignored
    return pl.DataFrame(rows, schema={"customer_id": pl.String, "started_at": pl.Datetime, "ended_at": pl.Datetime,
                                      "mrr": pl.Float64}, orient="row")


def test_tenures_and_survivor_counts_by_hand():
    tenure = tenures(subscriptions(), AS_OF)
    assert tenure.height == 100 and "late" not in tenure["customer_id"].to_list()
    live = tenure.filter(pl.col("customer_id") == "live_0").row(0, named=True)
    assert (live["running"], live["months"], live["observed"], live["mrr"]) == (True, 5, 5, 50.0)
    gone = tenure.filter(pl.col("customer_id") == "c3_0").row(0, named=True)
    assert (gone["running"], gone["months"], gone["mrr"]) == (False, 3, None)
    assert survivors(tenure["months"].to_list(), tenure["observed"].to_list()) == COUNTS[:6]


def test_cohort_derl_is_the_models_derl_at_the_customers_renewals():
    tenure = tenures(subscriptions(), AS_OF)
    derl, notes = cohort_derl(tenure, per_period_rate(0.1, 12))
    fit = fit_sbg(COUNTS[:6])
    expected = float(discounted_expected_residual_lifetime(fit, per_period_rate(0.1, 12), 5))
    assert notes == [] and derl.height == 48
    assert derl["derl_months"].to_list() == pytest.approx([expected] * 48, rel=1e-12)
    # At least the next renewal's payment, taken with the probability (β+5)/(α+β+5) of making it.
    assert expected > (fit.beta + 5) / (fit.alpha + fit.beta + 5)


def test_a_cohort_too_young_to_fit_is_named():
    young = tenures(subscriptions(), dt.date(2024, 2, 10))  # one complete month
    derl, notes = cohort_derl(young, 0.01)
    assert derl.height == 0 and notes == ["2024-01"]


def test_customers_table_values_running_subscribers_from_their_contract(cli, project):
    frame = subscriptions()
    project.file("subs.csv", frame.with_columns(pl.col("started_at", "ended_at").dt.strftime("%Y-%m-%d"))
                 .write_csv())
    project.file("orders.csv", "id,customer,date,amount\n1,live_0,2024-01-05,10\n2,c0_0,2024-01-05,10\n")
    project.config("""
        version: 1
        definitions: {gross_margin: 0.5}
        datasets:
          orders:
            path: orders.csv
            columns: {order_id: id, customer_id: customer, ordered_at: date, amount: amount}
          subscriptions:
            path: subs.csv
            columns: {subscription_id: customer_id, customer_id: customer_id, started_at: started_at,
                      ended_at: ended_at, mrr: mrr}
    """)
    os.chdir(project.root)
    result = cli("customers", "--as-of", "2024-07-01", "-f", "json")
    assert result.exit_code == 0, result.stderr
    rows = {r["customer_id"]: r for r in result.json()["rows"]}
    derl = float(discounted_expected_residual_lifetime(fit_sbg(COUNTS[:6]), per_period_rate(0.1, 12), 5))
    assert rows["live_0"]["clv_basis"] == "subscription"
    assert rows["live_0"]["predicted_clv"] == pytest.approx(50.0 * derl * 0.5, rel=1e-9)
    # A churned subscriber is valued from orders (here: no model fits two orders, so no value).
    assert (rows["c0_0"]["clv_basis"], rows["c0_0"]["predicted_clv"]) == (None, None)


def survivors_one_by_one(months: list[int], observed: list[int]) -> list[int]:
    """The definition, one pass over the cohort per period: what `survivors` counts at once."""
    return [sum(1 for m in months if m >= t) for t in range(min(observed) + 1)]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 30), st.integers(-2, 30)), min_size=1, max_size=200))
def test_survivors_counts_as_the_definition_does(customers):
    months, observed = [m for m, _ in customers], [o for _, o in customers]
    counts = survivors(months, observed)
    assert counts == survivors_one_by_one(months, observed)
    assert all(type(n) is int for n in counts)  # plain integers: the counts go on to fit_sbg and the notes


def test_survivors_by_hand_with_renewals_beyond_the_observed_months():
    # Observed 2 months each: totals of 5 count as 2, a negative total (an end before the start) nowhere.
    assert survivors([0, 1, 5, 5, -1], [2, 3, 2, 4, 2]) == [4, 3, 2]

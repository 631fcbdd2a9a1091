"""Financial and market metrics on the hand-computed `activity_shop` (conftest.py) plus spend and market.

From the shop (churn_after_days 30, every order worth 10, no cost so margin 0.6):
            Jan  Feb  Mar  Apr  May
revenue      30    0   10   10   10
new           2    0    1    0    1
active start  0    2    0    0    1     active end: 2 0 0 1 1
avg customers 1    1    0   0.5   1
churn         —    1    —    —    1
"""

from __future__ import annotations

import pytest

from crmctl.config import load_config
from crmctl.report.build import build_report, with_overrides

EXTRA = """
  spend: {path: spend.csv, columns: {date: day, amount: amount, category: kind}}
  market: {path: market.csv, columns: {period_start: {column: month, format: "%Y-%m"}, market_revenue: total}}
"""


@pytest.fixture
def books(activity_shop):
    activity_shop.file("spend.csv", """
        day,amount,kind
        2024-01-03,100,Acquisition
        2024-01-04,10,other
        2024-02-01,30,retention
        2024-03-01,50,acquisition
        2024-05-01,20,acquisition
    """)
    activity_shop.file("market.csv", "month,total\n2024-01,1000\n2024-02,500\n2024-04,2000\n2024-05,1000\n")
    config = (activity_shop.root / "crmctl.yaml").read_text().replace("datasets:\n", "datasets:" + EXTRA, 1)
    (activity_shop.root / "crmctl.yaml").write_text(config)
    return activity_shop


def _v(project, metrics, **definitions):
    config = load_config(project.root / "crmctl.yaml")
    if definitions:
        from dataclasses import replace
        from types import MappingProxyType

        config = replace(config, definitions=MappingProxyType({**config.definitions, **definitions}))
    rows = build_report(config, with_overrides(config.report, metrics=metrics)).rows
    return {(r["metric"], r["period_start"].month): r for r in rows.to_dicts()}


def _series(values, metric):
    return [values[(metric, m)]["value"] for m in (1, 2, 3, 4, 5)]


def test_arpu_and_gross_profit(books):
    v = _v(books, ("arpu", "gross_profit"))
    assert _series(v, "gross_profit") == pytest.approx([18, 0, 6, 6, 6])
    assert _series(v, "arpu")[:2] == [30.0, 0.0] and _series(v, "arpu")[3:] == [20.0, 10.0]
    assert v[("arpu", 3)]["value"] is None and v[("arpu", 3)]["note"] == "no average customers in the period"


def test_clv_formula_is_undefined_without_churn(books):
    v = _v(books, ("clv",))
    assert _series(v, "clv") == [None, 0.0, None, None, 6.0]
    assert v[("clv", 4)]["note"] == ("no churn rate of the period (historical: customers acquired to date)")


def test_clv_historical(books):
    assert _series(_v(books, ("clv",), clv_method="historical"), "clv") == pytest.approx([9, 9, 8, 10, 9])


def test_cac_roi_and_payback(books):
    v = _v(books, ("cac", "roi", "cac_payback_months", "clv_cac_ratio"))
    assert _series(v, "cac") == [50.0, None, 50.0, None, 20.0]
    assert v[("cac", 2)]["note"] == "no new customers in the period"
    assert _series(v, "roi")[:3] == pytest.approx([(18 - 110) / 110, -1.0, (6 - 50) / 50])
    assert v[("roi", 4)]["value"] is None  # no spend in April
    assert v[("cac_payback_months", 1)]["value"] == pytest.approx(50 / (18 * 30.4375 / 31))
    assert v[("clv_cac_ratio", 5)]["value"] == pytest.approx(6 / 20)


def test_market_share_without_a_market_row(books):
    v = _v(books, ("market_share",))
    assert _series(v, "market_share")[:2] == [0.03, 0.0]
    assert v[("market_share", 3)]["value"] is None
    assert v[("market_share", 3)]["note"] == "no market revenue for the period"


def test_retained_customers_cost_and_revenue(project):
    """x and y subscribe on Jan 1; y leaves Feb 15, so x alone is retained through February."""
    project.file("subs.csv", "id,cust,start,end\ns1,x,2024-01-01,\ns2,y,2024-01-01,2024-02-15\n")
    project.file("orders.csv", "id,cust,at,amount\no1,x,2024-02-10,100\no2,y,2024-02-05,50\n")
    project.file("spend.csv", "day,amount,kind\n2024-02-01,40,retention\n2024-01-01,5,retention\n")
    project.config("""
        datasets:
          subscriptions: {path: subs.csv, columns: {subscription_id: id, customer_id: cust, started_at: start,
                                                    ended_at: end}}
          orders: {path: orders.csv, columns: {order_id: id, customer_id: cust, ordered_at: at, amount: amount}}
          spend: {path: spend.csv, columns: {date: day, amount: amount, category: kind}}
    """)
    v = _v(project, ("revenue_per_retained_customer", "retention_cost_per_customer"))
    assert v[("revenue_per_retained_customer", 2)]["value"] == 100.0
    assert v[("retention_cost_per_customer", 2)]["value"] == 40.0
    assert v[("retention_cost_per_customer", 1)]["value"] is None  # nobody was active on Jan 1 to retain


def test_cost_column_sets_the_margin(project):
    project.file("orders.csv", "id,cust,at,amount,cost\no1,x,2024-01-10,100,70\no2,x,2024-01-11,50,\n")
    project.config("datasets:\n  orders: {path: orders.csv, columns: {order_id: id, customer_id: cust, "
                   "ordered_at: at, amount: amount, cost: cost}}\n")
    assert _v(project, ("gross_profit",))[("gross_profit", 1)]["value"] == pytest.approx(30 + 50 * 0.6)

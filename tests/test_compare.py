"""crmctl compare on a hand-computed A/B fixture, against scipy/statsmodels, and on the sample data.

Fixture (variant A: a1–a4, B: b1–b4; every order and response inside the data's span):
  A orders: a1 10 + 20, a2 40            → conversion 2/4, repeat 1/2, revenue/customer [30, 40, 0, 0]
  B orders: b1 10, b2 10, b3 10 + 50     → conversion 3/4, repeat 1/3, revenue/customer [10, 10, 60, 0]
  AOV: A 70/3, B 80/4 = 20.  Churned flag: A a3, a4 (2/4); B b4 (1/4).
  NPS: A 10, 3, 9 → (2 − 1)/3 = 33.3; B 10, 8 → 50.  CSAT (≥ 4): A 5, 2 → 1/2; B 4 → 1/1.
"""

from __future__ import annotations

import json
import math
import random

import pytest

from crmctl import stats
from crmctl.compare import build_comparison, plan_sample_size
from crmctl.config import load_config
from crmctl.errors import UsageError

CONFIG = """
    version: 1
    datasets:
      customers:
        path: customers.csv
        columns: {customer_id: id, variant: variant, churned: churned}
      orders:
        path: orders.csv
        columns: {order_id: order, customer_id: customer, ordered_at: {column: date, format: "%Y-%m-%d"}, amount: amount}
      surveys:
        path: surveys.csv
        columns: {customer_id: customer, responded_at: {column: date, format: "%Y-%m-%d"}, type: type, score: score}
"""


@pytest.fixture
def ab(project):
    project.file("customers.csv", "id,variant,churned\n" + "".join(
        f"{c},{c[0].upper()},{'true' if c in ('a3', 'a4', 'b4') else 'false'}\n"
        for c in ("a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4")))
    project.file("orders.csv", """
        order,customer,date,amount
        o1,a1,2024-01-05,10
        o2,a1,2024-02-05,20
        o3,a2,2024-01-10,40
        o4,b1,2024-01-11,10
        o5,b2,2024-01-12,10
        o6,b3,2024-01-13,10
        o7,b3,2024-03-01,50
    """)
    project.file("surveys.csv", """
        customer,date,type,score
        a1,2024-01-20,nps,10
        a2,2024-01-20,nps,3
        a3,2024-01-20,nps,9
        b1,2024-01-20,nps,10
        b2,2024-01-20,nps,8
        a1,2024-01-21,csat,5
        a2,2024-01-21,csat,2
        b1,2024-01-21,csat,4
    """)
    project.config(CONFIG)
    return load_config(project.root / "crmctl.yaml")


def _rows(frame):
    return {(r["metric"], r["variant"]): r for r in frame.to_dicts()}


def test_hand_computed_values(ab):
    frame, meta = build_comparison(ab, "variant")
    rows = _rows(frame)
    expected = {"conversion_rate": (0.5, 0.75), "repeat_purchase_rate": (0.5, 1 / 3), "churn_rate": (0.5, 0.25),
                "revenue_per_customer": (17.5, 20.0), "average_order_value": (70 / 3, 20.0),
                "nps": (100 / 3, 50.0), "csat": (0.5, 1.0)}
    for metric, (a, b) in expected.items():
        assert rows[(metric, "A")]["value"] == pytest.approx(a), metric
        assert rows[(metric, "B")]["value"] == pytest.approx(b), metric
        assert rows[(metric, "B")]["lift"] == pytest.approx(b - a), metric
        assert rows[(metric, "A")]["p_value"] is None and rows[(metric, "A")]["test"] is None
    assert [rows[(m, "A")]["n"] for m in expected] == [4, 2, 4, 4, 4, 3, 2]
    assert rows[("conversion_rate", "B")]["relative_lift"] == pytest.approx(0.5)
    assert rows[("average_order_value", "B")]["test"] == "delta-method z"
    assert rows[("revenue_per_customer", "B")]["test"] == "Welch t"
    assert meta["control"] == "A" and meta["srm"]["counts"] == {"A": 4, "B": 4} and meta["srm"]["warning"] is None
    assert rows[("conversion_rate", "A")]["note"].startswith("n < 30")


def test_statistics_equal_scipy_and_statsmodels(ab):
    from scipy.stats import ttest_ind
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import proportion_confint, proportions_ztest

    rows = _rows(build_comparison(ab, "variant").rows)
    welch = ttest_ind([10, 10, 60, 0], [30, 40, 0, 0], equal_var=False)
    assert rows[("revenue_per_customer", "B")]["p_value"] == pytest.approx(welch.pvalue)
    _, p = proportions_ztest([3, 2], [4, 4])
    assert rows[("conversion_rate", "B")]["p_value"] == pytest.approx(p)
    low, high = proportion_confint(3, 4, method="wilson")
    assert (rows[("conversion_rate", "B")]["ci_low"], rows[("conversion_rate", "B")]["ci_high"]) == pytest.approx((low, high))
    tested = [r for r in rows.values() if r["p_value"] is not None]
    adjusted = multipletests([r["p_value"] for r in tested], method="holm")[1]
    assert [r["p_adjusted"] for r in tested] == pytest.approx(list(adjusted))
    assert all(r["significant"] == (r["p_adjusted"] < 0.05) for r in tested)


def test_differential_against_plain_python(project):
    """Generated groups: conversion's z-test and revenue's Welch test recomputed with math only."""
    rng = random.Random(7)
    customers, orders = ["id,variant"], ["order,customer,date,amount"]
    for i in range(300):
        variant = "A" if i % 2 else "B"
        customers.append(f"c{i},{variant}")
        for k in range(rng.choice([0, 0, 1, 2, 3] if variant == "B" else [0, 0, 0, 1, 2])):
            orders.append(f"o{i}-{k},c{i},2024-01-{1 + k:02d},{rng.randint(5, 90)}")
    project.file("customers.csv", "\n".join(customers) + "\n")
    project.file("orders.csv", "\n".join(orders) + "\n")
    config = project.load(CONFIG.replace(", churned: churned", "").split("      surveys:")[0])
    rows = _rows(build_comparison(config, "variant", metrics=("conversion_rate", "revenue_per_customer")).rows)
    revenue = {"A": {}, "B": {}}
    for line in orders[1:]:
        _, customer, _, amount = line.split(",")
        group = "A" if int(customer[1:]) % 2 else "B"
        revenue[group][customer] = revenue[group].get(customer, 0) + float(amount)
    values = {g: list(revenue[g].values()) + [0.0] * (150 - len(revenue[g])) for g in "AB"}
    x1, x2 = len(revenue["B"]), len(revenue["A"])
    pooled = (x1 + x2) / 300
    z = (x1 / 150 - x2 / 150) / math.sqrt(pooled * (1 - pooled) * (2 / 150))
    assert rows[("conversion_rate", "B")]["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    m = {g: sum(v) / 150 for g, v in values.items()}
    var = {g: sum((x - m[g]) ** 2 for x in v) / 149 for g, v in values.items()}
    t = (m["B"] - m["A"]) / math.sqrt(var["B"] / 150 + var["A"] / 150)
    from scipy.stats import t as student

    df = (var["B"] / 150 + var["A"] / 150) ** 2 / ((var["B"] / 150) ** 2 / 149 + (var["A"] / 150) ** 2 / 149)
    assert rows[("revenue_per_customer", "B")]["p_value"] == pytest.approx(2 * student.sf(abs(t), df))
    assert rows[("revenue_per_customer", "B")]["value"] == pytest.approx(m["B"])


def test_sample_ratio_mismatch_on_a_60_40_split(project, cli):
    project.file("customers.csv", "id,variant\n" + "".join(f"c{i},{'A' if i < 600 else 'B'}\n" for i in range(1000)))
    project.file("orders.csv", "order,customer,date,amount\no1,c1,2024-01-01,10\n")
    project.config(CONFIG.replace(", churned: churned", "").split("      surveys:")[0])
    _, meta = build_comparison(load_config(project.root / "crmctl.yaml"), "variant")
    assert meta["srm"]["chi2"] == pytest.approx(40.0)  # (100²/500) × 2
    assert meta["srm"]["p_value"] < 0.001 and "sample ratio mismatch" in meta["srm"]["warning"]
    _, even = build_comparison(load_config(project.root / "crmctl.yaml"), "variant", expected_shares=[60, 40])
    assert even["srm"]["chi2"] == pytest.approx(0.0) and even["srm"]["warning"] is None
    result = cli("compare", "-c", str(project.root / "crmctl.yaml"), "--by", "variant", "-f", "json")
    assert result.exit_code == 0 and "WARNING: sample ratio mismatch" in result.stderr
    assert result.json()["meta"]["srm"]["counts"] == {"A": 600, "B": 400}


def test_plan_matches_sample_size_proportions(cli):
    plan = plan_sample_size("churn_rate", 0.05, 0.01)
    assert plan["per_group"] == stats.sample_size_proportions(0.05, 0.01) == 8158
    result = cli("compare", "--plan", "--metric", "churn_rate", "--baseline", "0.05", "--mde", "0.01", "-f", "json")
    assert result.exit_code == 0 and result.json()["per_group"] == 8158
    with pytest.raises(UsageError, match="sizes rates and means"):
        plan_sample_size("average_order_value", 50, 5)
    with pytest.raises(UsageError, match="needs --baseline"):
        plan_sample_size("churn_rate", None, 0.01)


def test_plan_for_a_mean_needs_sd_and_matches_the_formula(cli):
    """n = 2·(z₀.₉₇₅ + z₀.₈)²·sd²/mde² = 2 × 2.8016² × 80²/5² = 4018.6 → 4019;
    statsmodels' NormalIndPower agrees."""
    from statsmodels.stats.power import NormalIndPower

    plan = plan_sample_size("revenue_per_customer", None, 5.0, sd=80.0)
    z = 1.959963984540054 + 0.8416212335729143
    assert plan["per_group"] == math.ceil(2 * z * z * 80 ** 2 / 5 ** 2) == 4019
    assert plan["per_group"] == math.ceil(NormalIndPower().solve_power(5 / 80, alpha=0.05, power=0.8))
    assert plan["target"] is None and plan["sd"] == 80.0
    with pytest.raises(UsageError, match="needs --sd"):
        plan_sample_size("revenue_per_customer", 20.0, 5.0)
    with pytest.raises(UsageError, match="the sd must be positive"):
        plan_sample_size("revenue_per_customer", 20.0, 5.0, sd=0.0)
    result = cli("compare", "--plan", "--metric", "revenue_per_customer", "--baseline", "20", "--mde", "5",
                 "--sd", "80", "--confidence", "0.9", "-f", "json")
    assert result.exit_code == 0, result.stderr
    body = result.json()
    assert body["alpha"] == 0.1 and body["target"] == 25.0
    assert body["per_group"] == math.ceil(2 * (1.6448536269514722 + 0.8416212335729143) ** 2 * 80 ** 2 / 25)


def test_usage_errors(ab):
    with pytest.raises(UsageError, match="not a value of variant"):
        build_comparison(ab, "variant", control="C")
    with pytest.raises(UsageError, match='did you mean "conversion_rate"'):
        build_comparison(ab, "variant", metrics=("conversion_rat",))
    with pytest.raises(UsageError, match="not a column of customers"):
        build_comparison(ab, "plan")


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_sample_data_by_segment_in_every_format(cli, fmt):
    result = cli("compare", "--by", "segment", "-f", fmt)
    assert result.exit_code == 0, result.stderr
    if fmt == "json":
        body = result.json()
        assert body["meta"]["by"] == "segment" and body["rows"]
        assert {"n", "value", "ci_low", "ci_high", "lift", "p_value", "p_adjusted", "significant"} <= set(body["rows"][0])
    else:
        assert "conversion_rate" in result.stdout


def test_empty_window_gives_nulls_with_notes_never_zeros(ab):
    import datetime as dt

    frame, _ = build_comparison(ab, "variant", start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 4))
    rows = _rows(frame)
    assert rows[("conversion_rate", "B")]["value"] == 0.0 and rows[("conversion_rate", "B")]["p_value"] is None
    assert rows[("conversion_rate", "B")]["significant"] is None
    assert rows[("repeat_purchase_rate", "A")]["value"] is None
    assert rows[("repeat_purchase_rate", "A")]["note"] == "no units in this group"
    assert rows[("average_order_value", "B")]["value"] is None
    assert rows[("average_order_value", "B")]["note"] == "no value: the denominator is 0"
    assert rows[("nps", "A")]["n"] == 0 and rows[("churn_rate", "A")]["value"] == 0.5  # the flag ignores the window


def test_natural_groups_get_no_sample_ratio_check(project, cli):
    """A 60/40 split of a segment nobody randomised is not a mismatch: the check is for experiments."""
    project.file("customers.csv", "id,tier\n" + "".join(f"c{i},{'A' if i < 600 else 'B'}\n" for i in range(1000)))
    project.file("orders.csv", "order,customer,date,amount\no1,c1,2024-01-01,10\n")
    project.config(CONFIG.replace(", churned: churned", "").replace("variant: variant", "tier: tier")
                   .split("      surveys:")[0])
    _, meta = build_comparison(load_config(project.root / "crmctl.yaml"), "tier")
    assert meta["srm"]["applies"] is False and meta["srm"]["chi2"] is None and meta["srm"]["warning"] is None
    assert meta["srm"]["counts"] == {"A": 600, "B": 400}
    result = cli("compare", "-c", str(project.root / "crmctl.yaml"), "--by", "tier")
    assert result.exit_code == 0 and "WARNING" not in result.stderr + result.stdout
    assert "Sample ratio: not checked: the groups were not randomised" in result.stdout
    _, shared = build_comparison(load_config(project.root / "crmctl.yaml"), "tier", expected_shares=[50, 50])
    assert shared["srm"]["applies"] is True and shared["srm"]["chi2"] == pytest.approx(40.0)  # --shares: designed


def test_by_variant_on_the_sample_is_its_one_experiment(cli):
    result = cli("compare", "--by", "variant", "--control", "A", "-m", "conversion_rate", "-f", "json")
    assert result.exit_code == 0, result.stderr
    meta = result.json()["meta"]
    assert meta["experiment"] == "checkout-2024" and meta["srm"]["applies"] is True
    import polars as pl
    from tests.conftest import ROOT

    arms = pl.read_csv(ROOT / "sample_data" / "assignments.csv", infer_schema=False).unique("user_id")
    assert meta["srm"]["counts"] == dict(arms.group_by("variation").len().sort("variation").iter_rows())

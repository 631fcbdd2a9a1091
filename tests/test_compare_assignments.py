"""crmctl compare --experiment: arms from an assignments export; outcomes count only at or after assignment.

Hand fixture, experiment "checkout" (x1 and b1's "pricing" rows belong to another experiment):
  A: a1 assigned 02-01 12:00 (again 02-10: the earliest counts), a2 02-01 12:00, a3 with no date
  B: b1 02-01 12:00, b2 03-01 12:00, b3 02-01 12:00
  orders (counted ✓ / before assignment ✗):
    a1 01-15 100 ✗, a1 02-05 10 ✓ (before the repeated 02-10, after the first 02-01)
    a2 02-01 11:59 7 ✗, a2 02-01 12:00 20 ✓ (at the assignment instant counts)
    a3 01-10 30 ✓ (no assignment date: every order in the window)
    b1 01-20 50 ✗; b2 02-15 40 ✗, b2 03-05 60 ✓; b3 02-02 5 ✓, b3 02-03 5 ✓
  → A: orders [1, 1, 1], revenue [10, 20, 30]: conversion 3/3, repeat 0/3, revenue/customer 20, AOV 60/3 = 20
    B: orders [0, 1, 2], revenue [0, 60, 10]: conversion 2/3, repeat 1/2, revenue/customer 70/3, AOV 70/3
  NPS: a1 01-20 0 ✗, a1 02-20 10 ✓ → A 100; b2 02-20 0 ✗, b2 03-10 9 ✓, b1 02-05 3 ✓ → B (1 − 1)/2 = 0
  churned_at: a2 01-25 ✗ (before), a3 03-01 ✓ (no date), b1 03-02 ✓, b3 01-30 ✗ → A 1/3, B 1/3
"""

from __future__ import annotations

import pytest

from crmctl.compare import build_comparison
from crmctl.errors import DataError, UsageError

DATE = '{column: date, format: "%Y-%m-%d %H:%M"}'
CONFIG = f"""
    version: 1
    datasets:
      customers:
        path: customers.csv
        columns: {{customer_id: id, churned_at: {{column: churned, format: "%Y-%m-%d"}}}}
      orders:
        path: orders.csv
        columns: {{order_id: order, customer_id: customer, ordered_at: {DATE}, amount: amount}}
      surveys:
        path: surveys.csv
        columns: {{customer_id: customer, responded_at: {DATE}, type: type, score: score}}
      assignments:
        path: assignments.csv
        columns: {{customer_id: customer, experiment: experiment, variant: variant,
                  assigned_at: {{column: assigned, format: "%Y-%m-%d %H:%M"}}}}
"""
ASSIGNMENTS = """
    customer,experiment,variant,assigned
    a1,checkout,A,2024-02-01 12:00
    a1,checkout,A,2024-02-10 12:00
    a2,checkout,A,2024-02-01 12:00
    a3,checkout,A,
    b1,checkout,B,2024-02-01 12:00
    b2,checkout,B,2024-03-01 12:00
    b3,checkout,B,2024-02-01 12:00
    b1,pricing,X,2024-01-01 00:00
    x1,pricing,Y,2024-01-01 00:00
"""


@pytest.fixture
def experiment(project):
    project.file("customers.csv", """
        id,churned
        a1,
        a2,2024-01-25
        a3,2024-03-01
        b1,2024-03-02
        b2,
        b3,2024-01-30
        x1,
    """)
    project.file("orders.csv", """
        order,customer,date,amount
        o1,a1,2024-01-15 09:00,100
        o2,a1,2024-02-05 09:00,10
        o3,a2,2024-02-01 11:59,7
        o4,a2,2024-02-01 12:00,20
        o5,a3,2024-01-10 09:00,30
        o6,b1,2024-01-20 09:00,50
        o7,b2,2024-02-15 09:00,40
        o8,b2,2024-03-05 09:00,60
        o9,b3,2024-02-02 09:00,5
        o10,b3,2024-02-03 09:00,5
    """)
    project.file("surveys.csv", """
        customer,date,type,score
        a1,2024-01-20 09:00,nps,0
        a1,2024-02-20 09:00,nps,10
        b2,2024-02-20 09:00,nps,0
        b2,2024-03-10 09:00,nps,9
        b1,2024-02-05 09:00,nps,3
    """)
    project.file("assignments.csv", ASSIGNMENTS)
    return project


def _rows(frame):
    return {(r["metric"], r["variant"]): r for r in frame.to_dicts()}


def test_outcomes_before_assignment_are_excluded(experiment):
    frame, meta = build_comparison(experiment.load(CONFIG), experiment="checkout")
    rows = _rows(frame)
    expected = {"conversion_rate": (1.0, 2 / 3), "repeat_purchase_rate": (0.0, 0.5), "churn_rate": (1 / 3, 1 / 3),
                "revenue_per_customer": (20.0, 70 / 3), "average_order_value": (20.0, 70 / 3), "nps": (100.0, 0.0)}
    for metric, (a, b) in expected.items():
        assert rows[(metric, "A")]["value"] == pytest.approx(a), metric
        assert rows[(metric, "B")]["value"] == pytest.approx(b), metric
    assert rows[("repeat_purchase_rate", "B")]["n"] == 2 and rows[("nps", "B")]["n"] == 2
    assert meta["by"] == "variant" and meta["experiment"] == "checkout" and meta["control"] == "A"
    assert meta["srm"]["counts"] == {"A": 3, "B": 3}


def test_without_assignment_dates_every_outcome_in_the_window_counts(experiment):
    experiment.file("assignments.csv", "customer,experiment,variant,assigned\n" + "".join(
        ",".join(line.strip().split(",")[:3]) + ",\n" for line in ASSIGNMENTS.strip().splitlines()[1:]))
    rows = _rows(build_comparison(experiment.load(CONFIG), experiment="checkout").rows)
    assert rows[("revenue_per_customer", "A")]["value"] == pytest.approx((110 + 27 + 30) / 3)
    assert rows[("revenue_per_customer", "B")]["value"] == pytest.approx((50 + 100 + 10) / 3)
    assert rows[("churn_rate", "A")]["value"] == pytest.approx(2 / 3)


def test_sample_ratio_check_counts_assignments_not_buyers(project):
    """600 A and 400 B assigned, only two of them ordered: the check is on the 1,000 assignments."""
    project.file("customers.csv", "id\n" + "".join(f"c{i}\n" for i in range(1000)))
    project.file("orders.csv", "order,customer,date,amount\no1,c1,2024-01-01 10:00,10\no2,c900,2024-01-02 10:00,20\n")
    project.file("assignments.csv", "customer,experiment,variant,assigned\n" + "".join(
        f"c{i},exp,{'A' if i < 600 else 'B'},2024-01-01 00:00\n" for i in range(1000)))
    no_churn = CONFIG.split("      surveys:")[0].replace(', churned_at: {column: churned, format: "%Y-%m-%d"}', "")
    config = project.load(no_churn + "      assignments:" + CONFIG.split("      assignments:")[1])
    _, meta = build_comparison(config, experiment="exp")
    assert meta["srm"]["counts"] == {"A": 600, "B": 400}
    assert meta["srm"]["chi2"] == pytest.approx(40.0) and "sample ratio mismatch" in meta["srm"]["warning"]
    _, designed = build_comparison(config, experiment="exp", expected_shares=[60, 40])
    assert designed["srm"]["chi2"] == pytest.approx(0.0) and designed["srm"]["warning"] is None


def test_a_customer_in_two_variants_is_an_error_with_examples(experiment):
    experiment.file("assignments.csv", ASSIGNMENTS + "    a2,checkout,B,2024-02-02 12:00\n    b3,checkout,A,\n")
    with pytest.raises(DataError, match=r"2 customer\(s\) of experiment 'checkout' .* \(e\.g\. a2: A, B; b3: A, B\)"):
        build_comparison(experiment.load(CONFIG), experiment="checkout")


def test_usage_errors(experiment):
    config = experiment.load(CONFIG)
    with pytest.raises(UsageError, match=r"no assignments for it \(experiments in the assignments export: "
                                         r"checkout, pricing\)"):
        build_comparison(config, experiment="chekout")
    with pytest.raises(UsageError, match="drop --by segment"):
        build_comparison(config, "segment", experiment="checkout")
    no_assignments = experiment.load(CONFIG.split("      assignments:")[0])
    with pytest.raises(UsageError, match="--experiment needs an assignments dataset"):
        build_comparison(no_assignments, experiment="checkout")


def test_cli_experiment_and_confidence(experiment, cli):
    experiment.config(CONFIG)
    path = str(experiment.root / "crmctl.yaml")
    wide = cli("compare", "-c", path, "--experiment", "checkout", "-m", "conversion_rate", "-f", "json").json()
    narrow = cli("compare", "-c", path, "--experiment", "checkout", "-m", "conversion_rate", "--confidence", "0.8",
                 "-f", "json").json()
    assert wide["meta"]["experiment"] == "checkout" and narrow["meta"]["confidence"] == 0.8
    a95, a80 = wide["rows"][0], narrow["rows"][0]
    assert a95["variant"] == "A" and a95["value"] == a80["value"] == 1.0
    assert a80["ci_low"] > a95["ci_low"]  # a lower confidence gives a narrower interval
    assert cli("compare", "-c", path, "--experiment", "nope").exit_code == 2


def test_cli_table_title_and_exit_code_of_a_switcher(experiment, cli):
    experiment.config(CONFIG)
    path = str(experiment.root / "crmctl.yaml")
    table = cli("compare", "-c", path, "--experiment", "checkout", "-m", "conversion_rate", "--confidence", "0.9")
    assert table.exit_code == 0 and "experiment checkout: each variant against 'A'" in table.stdout
    assert "90% intervals" in table.stdout
    experiment.file("assignments.csv", ASSIGNMENTS + "    a2,checkout,B,\n")
    switched = cli("compare", "-c", path, "--experiment", "checkout")
    assert switched.exit_code == 4 and "(e.g. a2: A, B)" in switched.stderr


def test_by_variant_means_the_assignments_only_when_they_hold_one_experiment(experiment):
    """Two experiments (checkout, pricing): --by variant cannot choose; with pricing's rows gone it is checkout."""
    config = experiment.load(CONFIG)
    with pytest.raises(UsageError, match=r"--by variant: customers has no variant column and the assignments export "
                                         r"holds 2 experiments \(checkout, pricing\): choose one with --experiment"):
        build_comparison(config, "variant")
    experiment.file("assignments.csv", "\n".join(ASSIGNMENTS.splitlines()[:-2]) + "\n")
    by_variant, meta = build_comparison(experiment.load(CONFIG), "variant")
    named, _ = build_comparison(experiment.load(CONFIG), experiment="checkout")
    assert meta["experiment"] == "checkout" and by_variant.equals(named)

"""crmctl drivers on a hand-computed fixture: a dozen customers (churn_dates model), two dimensions.

Window 2024-01-01 .. 2024-12-31. Active at its start: c01..c12 (x13 arrives later, x14 left in 2023).
Churned in the window: c01, c02, c05, c12 (c10 churns in 2025): overall 4/12.
segment A = c01..c06 (3 churned), B = c07..c12 (1): χ² = 12·(3·5 − 3·1)² / (6·6·4·8) = 1.5, V = √(1.5/12).
region north {c01 c02 c06 c07 c08 c12} 3/6, south {c03 c04 c05 c09 c10} 1/5, missing {c11} 0/1:
χ² = 1.65 (expected churners 2, 5/3, 1/3), V = √(1.65/12), p = exp(−1.65/2) (2 degrees of freedom).
Tenure at Jan 1 from created_at: c01..c04 365 days, c05..c08 214, c09..c11 92, c12 17: buckets 1/1, 1/7,
2/4, χ² = 51/14, so tenure ranks first.
"""

from __future__ import annotations

import math

import pytest

from crmctl.config import load_config
from crmctl.drivers import build_drivers
from crmctl.report.build import with_overrides

CUSTOMERS = """
    id,created,churned,segment,region
    c01,2023-01-01,2024-03-01,A,north
    c02,2023-01-01,2024-06-01,A,north
    c03,2023-01-01,,A,south
    c04,2023-01-01,,A,south
    c05,2023-06-01,2024-09-01,A,south
    c06,2023-06-01,,A,north
    c07,2023-06-01,,B,north
    c08,2023-06-01,,B,north
    c09,2023-10-01,,B,south
    c10,2023-10-01,2025-02-01,B,south
    c11,2023-10-01,,B,
    c12,2023-12-15,2024-02-01,B,north
    x13,2024-03-01,2024-05-01,A,north
    x14,2022-01-01,2023-06-01,B,south
"""
SURVEYS = """
    customer,at,type,score
    c01,2023-12-01,NPS,3
    c02,2023-11-01,NPS,5
    c02,2024-02-01,NPS,10
    c03,2023-12-01,NPS,9
    c04,2023-12-01,NPS,10
    c05,2023-12-01,NPS,7
    c06,2023-12-01,CSAT,2
"""
TICKETS = """
    id,customer,created
    1,c01,2023-12-01
    2,c01,2023-12-20
    3,c02,2023-09-01
    4,c05,2023-11-01
    5,c05,2023-11-02
    6,c05,2023-11-03
    7,c05,2023-12-01
    8,c05,2023-12-02
    9,c06,2023-12-31
    10,c07,2024-01-01
"""
CONFIG = """
    datasets:
      customers:
        path: customers.csv
        columns: {customer_id: id, created_at: created, churned_at: churned, segment: segment, region: region}
"""
EXTRA = """
      surveys:
        path: surveys.csv
        columns: {customer_id: customer, responded_at: at, type: {column: type, values: {NPS: nps, CSAT: csat}},
                  score: score}
      tickets:
        path: tickets.csv
        columns: {ticket_id: id, customer_id: customer, created_at: created}
"""


@pytest.fixture
def dozen(project):
    project.file("customers.csv", CUSTOMERS)
    project.file("surveys.csv", SURVEYS)
    project.file("tickets.csv", TICKETS)
    project.config(CONFIG)
    return project


def _drivers(project, config_text=CONFIG):
    project.config(config_text)
    config = load_config(project.root / "crmctl.yaml")
    import datetime as dt

    spec = with_overrides(config.report, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    result = build_drivers(config, spec)
    return result, {a["name"]: a for a in result.attributes}


def _values(attribute):
    return {v["value"]: (v["n"], v["churned"]) for v in attribute["values"]}


def test_hand_computed_rates_lifts_and_ranking(dozen):
    result, by_name = _drivers(dozen)
    assert result.overall == {"n": 12, "churned": 4, "rate": pytest.approx(1 / 3)}
    assert [a["name"] for a in result.attributes] == ["tenure", "region", "segment"]
    segment, region = by_name["segment"], by_name["region"]
    assert _values(segment) == {"A": (6, 3), "B": (6, 1)}
    assert segment["measure"] == pytest.approx(math.sqrt(1.5 / 12))
    assert segment["p_value"] == pytest.approx(0.220671, abs=1e-6)  # χ²(1) survival at 1.5
    a = next(v for v in segment["values"] if v["value"] == "A")
    assert (a["rate"], a["lift"]) == (0.5, pytest.approx(1.5))
    assert (a["ci_low"], a["ci_high"]) == (pytest.approx(0.18761, abs=1e-5), pytest.approx(0.81239, abs=1e-5))
    assert _values(region) == {"north": (6, 3), "south": (5, 1), "(missing)": (1, 0)}
    assert region["measure"] == pytest.approx(math.sqrt(1.65 / 12))
    assert region["p_value"] == pytest.approx(math.exp(-1.65 / 2))
    assert [v["value"] for v in by_name["tenure"]["values"]] == ["<3 months", "3-12 months", "1-2 years"]
    assert _values(by_name["tenure"]) == {"<3 months": (1, 1), "3-12 months": (7, 1), "1-2 years": (4, 2)}
    assert by_name["tenure"]["measure"] == pytest.approx(math.sqrt(51 / 14 / 12))  # χ² = 2 + 8/7 + 1/2
    assert result.nps is None and result.meta["window"] == {"from": "2024-01-01", "to": "2024-12-31"}


def test_nps_category_before_the_window_and_tickets_in_the_90_days_before(dozen):
    result, by_name = _drivers(dozen, CONFIG + EXTRA)
    # c02's 10 came after the window's start: its latest earlier answer (5) counts. c06's CSAT is no NPS.
    assert _values(by_name["nps_category"]) == {"promoter": (2, 0), "passive": (1, 1), "detractor": (2, 2),
                                                "none": (7, 1)}
    # χ² over the respondents [[0, 2], [1, 0], [2, 0]] = 5.0 with 2 degrees of freedom.
    assert result.nps["p_value"] == pytest.approx(math.exp(-2.5))
    assert result.nps["separates"] is False
    assert result.nps["verdict"] == "NPS does not separate churners in this data (p = 0.08)"
    assert [c["value"] for c in result.nps["categories"]] == ["promoter", "passive", "detractor", "none"]
    # c02's ticket is 122 days old (c02 and c12 churn with 0 tickets); c07's is on the start day itself (not before it).
    assert _values(by_name["tickets_90d"]) == {"0": (9, 2), "1": (1, 0), "2-3": (1, 1), "4+": (1, 1)}


def test_nps_verdict_when_it_separates():
    from crmctl.drivers.separation import nps_verdict, value_rows

    values = value_rows(["promoter", "passive", "detractor", "none"], [100, 100, 100, 50], [9, 20, 31, 10], 0.2)
    verdict = nps_verdict({"values": values})
    assert verdict["separates"] is True
    assert verdict["verdict"].startswith("NPS separates churners here: detractors churn at 31% (CI 23%–41%) vs "
                                         "promoters 9% (CI 5%–16%) (p < 0.001)")


def test_degenerate_attributes_are_null_with_a_note():
    from crmctl.drivers.separation import separation, value_rows

    assert separation([5], [2]) == (None, None, "one value only")
    assert separation([5, 3], [0, 0]) == (None, None, "nobody churned")
    assert separation([5, 3], [5, 3]) == (None, None, "everybody churned")
    assert value_rows(["a"], [4], [0], 0.0)[0]["lift"] is None  # no lift on a zero overall rate
    assert value_rows([], [], [], None) == []


def test_numeric_dimension_with_many_values_is_binned():
    import polars as pl

    from crmctl.drivers.attributes import _dimension

    binned, labels = _dimension(pl.Series([str(i) for i in range(1, 21)] + [None]))
    assert labels == ["< 5", "5 to < 9", "9 to < 13", "13 to < 17", ">= 17"]
    assert binned.value_counts().sort("count")["count"].to_list() == [1, 4, 4, 4, 4, 4]
    few, none = _dimension(pl.Series(["1", "2", "2"]))
    assert few.to_list() == ["1", "2", "2"] and none is None


def test_without_churn_data_it_says_what_to_map(project):
    from crmctl.errors import UsageError

    project.file("customers.csv", "id,segment\na,A\n")
    with pytest.raises(UsageError, match="drivers need churn"):
        _drivers(project, """
            datasets:
              customers: {path: customers.csv, columns: {customer_id: id, segment: segment}}
        """)


def test_the_verdict_says_when_no_attribute_is_significant(cli):
    """The sample's attributes all have Holm-adjusted p ≥ 0.05: the ranking must not read as one of causes."""
    result = cli("drivers", "-f", "json")
    meta, attributes = result.json()["meta"], result.json()["attributes"]
    tested = [a for a in attributes if a["p_value"] is not None]
    assert meta["significant"] == 0 and meta["tested"] == len(tested) and meta["correction"] == "holm"
    smallest = min(tested, key=lambda a: a["p_value"])
    assert smallest["p_adjusted"] == pytest.approx(min(1.0, len(tested) * smallest["p_value"]))  # Holm's first step
    text = cli("drivers").stdout
    assert text.splitlines()[1] == (f"No attribute separates churners from stayers (p < 0.05 after Holm's "
                                    f"correction over {len(tested)} attributes): the order is by effect size "
                                    "and may be noise.")
    assert "Attributes by Cramér's V (none separates churners significantly)" in text


def test_the_verdict_counts_significant_attributes_on_telco(cli):
    from tests.conftest import ROOT

    result = cli("drivers", "-c", str(ROOT / "examples" / "telco.yaml"), "-f", "json")
    attributes = result.json()["attributes"]
    assert result.json()["meta"]["significant"] == sum(a["significant"] for a in attributes) >= 4
    text = cli("drivers", "-c", str(ROOT / "examples" / "telco.yaml")).stdout
    assert "attributes separate churners from stayers (p < 0.05 after Holm's correction" in text
    assert "Churn drivers, strongest first" in text


def test_an_attribute_that_restates_churn_is_called_out(project, cli):
    """A status column that is the churn flag in other words (V = 1) is flagged, not sold as the top driver."""
    rows = [(f"c{i}", "Former customer" if i % 4 == 0 else "Customer", "true" if i % 4 == 0 else "false",
             "a" if i % 2 else "b") for i in range(80)]
    project.file("customers.csv", "id,stage,churn,plan\n" + "".join(",".join(r) + "\n" for r in rows))
    project.config("""
        datasets:
          customers: {path: customers.csv, columns: {customer_id: id, churned: churn, stage: stage, plan: plan}}
    """)
    result = cli("drivers", "-f", "json")
    assert result.json()["meta"]["near_churn"] == ["stage"] and result.json()["attributes"][0]["measure"] == 1.0
    assert ("stage all but restates churn (Cramér's V ≥ 0.9): a column derived from churn (a status) is no driver"
            in cli("drivers").stdout)

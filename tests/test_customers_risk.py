"""crmctl customers --at-risk: each signal at its boundary, the score and its order, churned customers
left out, the risk: config section."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from crmctl.config.risk import THRESHOLDS
from crmctl.customers.at_risk import signals
from crmctl.errors import ConfigError

D = dt.date(2025, 6, 30)
T = {name: spec[0] for name, spec in THRESHOLDS.items()}


def at(day: dt.date | str, hour: int = 12) -> dt.datetime:
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return dt.datetime.combine(day, dt.time(hour))


def before(days: int, hour: int = 12) -> dt.datetime:
    return at(D - dt.timedelta(days=days), hour)


def fired(frame: pl.DataFrame, name: str) -> dict:
    return dict(zip(frame["customer_id"], frame[f"fires_{name}"]))


def reason(frame: pl.DataFrame, name: str, customer: str):
    return frame.filter(pl.col("customer_id") == customer)[f"reason_{name}"].item()


def test_order_gap_fires_past_twice_the_median_gap_and_30_days():
    # a: gaps 10, 10 → median 10; 30 days since: > 20 but not > 30. b: 31 days since → fires.
    # c: gaps 20, 20 → median 20; 40 days since = 2 × 20, not more. d: 41 → fires. e: one order, no gap.
    rows = []
    for customer, last, gap in (("a", 30, 10), ("b", 31, 10), ("c", 40, 20), ("d", 41, 20)):
        rows += [(customer, before(last + k * gap)) for k in (0, 1, 2)]
    rows += [("e", before(400)), ("b", before(0) + dt.timedelta(days=1))]  # b's order after D is not read
    orders = pl.DataFrame(rows, schema=["customer_id", "ordered_at"], orient="row")
    frame = signals.order_gap(orders, D, T)
    assert fired(frame, "order_gap") == {"a": False, "b": True, "c": False, "d": True, "e": False}
    assert reason(frame, "order_gap", "b") == "no order for 31 days; usually orders every 10 days (median gap)"
    assert frame.filter(pl.col("customer_id") == "e")["median_gap_days"].item() is None


def test_order_gap_median_of_purchase_days():
    # Purchase days 0, 4, 10, 30 → gaps 4, 6, 20 → median 6; two orders on one day are one purchase day.
    orders = pl.DataFrame({"customer_id": ["a"] * 5, "ordered_at": [
        before(100), before(96, 9), before(96, 18), before(90), before(70)]})
    frame = signals.order_gap(orders, D, T)
    row = frame.row(0, named=True)
    assert (row["days_since_order"], row["median_gap_days"], row["fires_order_gap"]) == (70, 6.0, True)


def test_p_alive_fires_below_the_threshold():
    frame = signals.p_alive(pl.DataFrame({"customer_id": ["a", "b", "c"], "p_alive": [0.3, 0.2949, None]}), T)
    assert fired(frame, "p_alive") == {"a": False, "b": True, "c": False}
    assert reason(frame, "p_alive", "b") == "P(alive) 0.29"


def test_nps_uses_the_latest_response_by_the_day():
    surveys = pl.DataFrame([
        ("a", before(10), "nps", 9.0), ("a", before(5), "nps", 6.0),  # latest 6: detractor
        ("b", before(10), "nps", 3.0), ("b", before(5), "nps", 7.0),  # latest 7: passive
        ("c", before(10), "nps", 8.0), ("c", before(-1), "nps", 0.0),  # the 0 comes after D
        ("d", before(2), "csat", 1.0),
    ], schema=["customer_id", "responded_at", "type", "score"], orient="row")
    frame = signals.nps(surveys, D, T)
    assert fired(frame, "nps") == {"a": True, "b": False, "c": False}
    assert reason(frame, "nps", "a") == "NPS 6 on 2025-06-25 (detractor)"


def test_tickets_count_reopens_and_sla_breaches_in_the_window():
    due = pl.Datetime("us")
    frame = pl.DataFrame([
        ("a", before(29, 0), None, None, None), ("a", before(0, 23), None, None, None),  # 2 in the window
        ("b", before(30, 23), None, None, None), ("b", before(1), None, None, None),  # day D−30 is outside
        ("c", before(3), 1, None, None),  # reopened
        ("d", before(3), 0, before(2), before(1)),  # resolved after its due time: breach
        ("e", before(3), 0, before(2), before(2, 11)),  # resolved in time
        ("f", before(3), 0, before(1), None),  # still open, past due
        ("g", before(3), 0, at(D + dt.timedelta(days=1)), None),  # open but not yet due
    ], schema={"customer_id": pl.String, "created_at": due, "reopens": pl.Int64, "sla_due_at": due,
               "resolved_at": due}, orient="row")
    result = signals.tickets(frame, D, T)
    assert fired(result, "tickets") == {"a": True, "b": False, "c": True, "d": True, "e": False, "f": True,
                                        "g": False}
    assert reason(result, "tickets", "a") == "2 tickets in 30 days"
    assert reason(result, "tickets", "c") == "1 ticket in 30 days, 1 reopened"
    assert reason(result, "tickets", "d") == "1 ticket in 30 days, 1 SLA breach"


def test_engagement_fires_on_a_fall_of_half_from_enough_interactions():
    def events(customer, previous, recent):
        return [(customer, before(120)) for _ in range(previous)] + [(customer, before(10)) for _ in range(recent)]

    rows = events("a", 4, 2) + events("b", 4, 3) + events("c", 2, 0) + events("d", 0, 5) + events("e", 3, 0)
    rows += [("a", before(200))]  # older than both windows
    frame = signals.engagement(pl.DataFrame(rows, schema=["customer_id", "occurred_at"], orient="row"), D, T)
    assert fired(frame, "engagement") == {"a": True, "b": False, "c": False, "d": False, "e": True}
    got = frame.filter(pl.col("customer_id") == "a").row(0, named=True)
    assert (got["engagement_recent"], got["engagement_previous"], got["engagement_change"]) == (2, 4, -0.5)
    assert reason(frame, "engagement", "a") == \
        "engagement down 50% on the previous 90 days (2 interactions, 4 before)"
    assert frame.filter(pl.col("customer_id") == "d")["engagement_change"].item() is None  # nothing before: null


def subscriptions(*rows):
    return pl.DataFrame(rows, schema={"subscription_id": pl.String, "customer_id": pl.String,
                                      "started_at": pl.Datetime("us"), "ended_at": pl.Datetime("us"),
                                      "term_end_at": pl.Datetime("us"), "mrr": pl.Float64}, orient="row")


def test_term_end_within_30_days_and_not_renewed():
    in30, in31 = at(D + dt.timedelta(days=30), 0), at(D + dt.timedelta(days=31), 0)
    frame = signals.term_end(subscriptions(
        ("s1", "a", before(300), None, in30, 10.0),
        ("s2", "b", before(300), None, in31, 10.0),
        ("s3", "c", before(300), None, in30, 10.0), ("s4", "c", before(5), None, in31, 10.0),  # renewed by D
        ("s5", "d", before(300), before(1), in30, 10.0),  # ended already: not running
    ), D, T)
    assert fired(frame, "term_end") == {"a": True, "b": False, "c": False}
    assert reason(frame, "term_end", "a") == "subscription term ends 2025-07-30, not renewed"


def test_term_end_uses_the_renewed_flag_when_mapped():
    rows = subscriptions(("s1", "a", before(300), None, before(-5), 10.0), ("s2", "b", before(300), None,
                                                                               before(-5), 10.0))
    frame = signals.term_end(rows.with_columns(renewed=pl.Series([True, None])), D, T)
    assert fired(frame, "term_end") == {"b": True}


def test_mrr_contraction_compares_the_latest_two_subscriptions():
    frame = signals.mrr_contraction(subscriptions(
        ("s1", "a", before(300), before(100), None, 99.0), ("s2", "a", before(100), None, None, 49.0),
        ("s3", "b", before(300), before(100), None, 49.0), ("s4", "b", before(100), None, None, 99.0),
        ("s5", "c", before(300), None, None, 99.0),
        ("s6", "d", before(300), None, None, 99.0), ("s7", "d", before(-3), None, None, 10.0),  # after D
    ), D)
    assert fired(frame, "mrr_contraction") == {"a": True, "b": False, "c": False, "d": False}
    assert reason(frame, "mrr_contraction", "a") == "MRR contracted from 99 to 49"


SHOP = """
    version: 1
    datasets:
      customers: {path: customers.csv, columns: {customer_id: id, tier: tier}}
      orders:
        path: orders.csv
        columns: {order_id: order, customer_id: customer, ordered_at: {column: date, format: "%Y-%m-%d"}, amount: amount}
      surveys:
        path: surveys.csv
        columns: {customer_id: customer, responded_at: {column: date, format: "%Y-%m-%d"}, type: type, score: score}
    definitions: {churn_after_days: 90}
"""


def write_shop(project, risk: str = ""):
    """a: every 10 days until 40 days before D (order_gap fires). b: every 10 days until 5 days before, NPS 3.
    c: last order 100 days before D: churned under the 90-day rule, though order_gap would fire.
    d: ordered recently and steadily: not at risk."""
    lines, n = ["order,customer,date,amount"], 0
    for customer, last in (("a", 40), ("b", 5), ("c", 100), ("d", 2)):
        for k in range(4):
            n += 1
            lines.append(f"o{n},{customer},{D - dt.timedelta(days=last + 10 * k)},10")
    project.file("orders.csv", "\n".join(lines) + "\n")
    project.file("customers.csv", "id,tier\na,gold\nb,silver\nc,gold\nd,gold\n")
    project.file("surveys.csv", f"customer,date,type,score\nb,{D - dt.timedelta(days=3)},nps,3\n")
    return project.load(SHOP + ("    " + risk if risk else ""))


def test_score_orders_the_list_and_churned_customers_are_left_out(project):
    from crmctl.customers.at_risk.listing import build_at_risk
    from crmctl.customers.at_risk.score import AtRiskSpec

    assert build_at_risk(write_shop(project), AtRiskSpec(as_of=D))[0].height == 0  # one signal: below min_score 2
    rows, meta = build_at_risk(write_shop(project, "risk: {min_score: 1}\n"), AtRiskSpec(as_of=D, by=("tier",)))
    assert meta["active_customers"] == 3 and meta["signals"] == ["order_gap", "nps"]  # no BG/NBD fit: no p_alive
    assert rows["customer_id"].to_list() == ["a", "b"]  # equal scores: value at risk (null), then id
    assert rows["score"].to_list() == [1.0, 1.0] and rows["tier"].to_list() == ["gold", "silver"]
    assert rows["reasons"].to_list()[1] == ["NPS 3 on 2025-06-27 (detractor)"]
    weighted = write_shop(project, "risk: {weights: {nps: 3}, min_score: 2}\n")
    rows, _ = build_at_risk(weighted, AtRiskSpec(as_of=D))
    assert rows.select("customer_id", "score").rows() == [("b", 3.0)]


def test_risk_config_defaults_and_errors(project):
    config = project.load("version: 1\n")
    assert config.risk.weights["p_alive"] == 2.0 and config.risk.weights["nps"] == 1.0
    assert config.risk.min_score == 2.0 and config.risk.thresholds["gap_min_days"] == 30.0
    with pytest.raises(ConfigError) as error:
        project.load("risk: {weights: {npss: 1, tickets: high}, min_score: x, thresholds: {nps_max: 11}, other: 1}\n")
    text = str(error.value)
    for expected in ('risk.weights.npss: unknown key (did you mean "nps"?)', "risk.weights.tickets: expected a number",
                     "risk.min_score: expected a number", "risk.thresholds.nps_max: must be between 0 and 10; got 11",
                     "risk.other: unknown key"):
        assert expected in text, text


def test_every_threshold_is_documented():
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "config.md").read_text()
    assert all(f"    {name}:" in text for name in THRESHOLDS)

"""Sales pipeline and engagement metrics on hand-computed fixtures, plus plain-Python differentials."""

from __future__ import annotations

import datetime as dt
import random
import textwrap

import pytest

from crmctl.config import load_config
from crmctl.report.build import build_report, with_overrides

LEADS = """
    datasets:
      leads:
        path: leads.csv
        columns:
          lead_id: id
          created_at: created
          closed_at: closed
          status: {column: stage, values: {Closed Won: won, Closed Lost: lost, Prospecting: open}}
          amount: amount
          source: source
"""


@pytest.fixture
def deals(project):
    """d1 won in Jan after 9 days; d2 lost in Feb; d3 won in Feb after 31 days; d4 open since Jan;
    d5 reopened (Prospecting, with an old close date); d6 won without a close date."""
    project.file("leads.csv", """
        id,created,closed,stage,amount,source
        d1,2024-01-01,2024-01-10,Closed Won,100,Web
        d2,2024-01-05,2024-02-01,Closed Lost,200,Web
        d3,2024-01-20,2024-02-20,Closed Won,300,Event
        d4,2024-01-25,,Prospecting,400,Event
        d5,2024-02-03,2024-02-10,Prospecting,500,Web
        d6,2024-02-05,,Closed Won,600,Web
    """)
    project.config(LEADS)
    return project


def _values(project, metrics, **overrides):
    config = load_config(project.root / "crmctl.yaml")
    rows = build_report(config, with_overrides(config.report, metrics=metrics, **overrides)).rows
    return {(r["metric"], r["period_start"].month, *(r[b] for b in overrides.get("by", ()))): r["value"]
            for r in rows.to_dicts()}


def test_conversion_is_a_creation_cohort(deals):
    v = _values(deals, ("lead_conversion_rate",))
    assert v[("lead_conversion_rate", 1)] == pytest.approx(2 / 4)  # d1, d3 of d1–d4
    assert v[("lead_conversion_rate", 2)] == pytest.approx(1 / 2)  # d6 of d5, d6


def test_win_rate_counts_dated_closes_only(deals):
    v = _values(deals, ("win_rate",))
    assert v[("win_rate", 1)] == 1.0  # d1
    assert v[("win_rate", 2)] == 0.5  # d3 won, d2 lost; d5 is open again, d6 has no date


def test_cycle_length(deals):
    v = _values(deals, ("sales_cycle_length", "median_sales_cycle_length"))
    assert (v[("sales_cycle_length", 1)], v[("sales_cycle_length", 2)]) == (9.0, 31.0)
    assert v[("median_sales_cycle_length", 2)] == 31.0


def test_pipeline_value_at_period_end(deals):
    v = _values(deals, ("pipeline_value",))
    # End of Jan: d2, d3, d4 open (d1 closed Jan 10). End of Feb: d4 and the reopened d5.
    assert (v[("pipeline_value", 1)], v[("pipeline_value", 2)]) == (900.0, 900.0)


def test_split_by_lead_source(deals):
    v = _values(deals, ("win_rate",), by=("source",))
    assert v[("win_rate", 2, "Web")] == 0.0 and v[("win_rate", 2, "Event")] == 1.0


def test_pipeline_matches_plain_python(project):
    rng = random.Random(4)
    start = dt.date(2024, 1, 1)
    rows = []
    for i in range(150):
        created = start + dt.timedelta(days=rng.randint(0, 150))
        stage = rng.choice(["won", "lost", "open"])
        closed = created + dt.timedelta(days=rng.randint(0, 90)) if stage != "open" else None
        rows.append((f"l{i}", created, closed, stage, rng.randint(1, 9) * 100))
    project.file("leads.csv", "id,created,closed,stage,amount\n" + "".join(
        f"{i},{c},{d or ''},{s},{a}\n" for i, c, d, s, a in rows))
    project.config("datasets:\n  leads: {path: leads.csv, columns: {lead_id: id, created_at: created, "
                   "closed_at: closed, status: stage, amount: amount}}\n")
    metrics = ("lead_conversion_rate", "win_rate", "sales_cycle_length", "pipeline_value")
    config = load_config(project.root / "crmctl.yaml")
    for row in build_report(config, with_overrides(config.report, metrics=metrics)).rows.to_dicts():
        lo, hi = row["period_start"], row["period_end"]
        made = [r for r in rows if lo <= r[1] <= hi]
        closed = [r for r in rows if r[2] and lo <= r[2] <= hi and r[3] != "open"]
        won = [r for r in closed if r[3] == "won"]
        expected = {
            "lead_conversion_rate": sum(r[3] == "won" for r in made) / len(made) if made else None,
            "win_rate": len(won) / len(closed) if closed else None,
            "sales_cycle_length": sum((r[2] - r[1]).days for r in won) / len(won) if won else None,
            "pipeline_value": float(sum(r[4] for r in rows if r[1] <= hi and (r[3] == "open" or r[2] > hi))),
        }[row["metric"]]
        assert row["value"] == (pytest.approx(expected) if expected is not None else None), row


EVENTS = """
    datasets:
      interactions:
        path: events.csv
        columns: {customer_id: who, occurred_at: at, event: event, channel: channel, duration_seconds: secs,
                  visitor_id: visitor}
"""


def test_engagement_metrics(project):
    project.file("events.csv", """
        who,at,event,channel,secs,visitor
        a,2024-01-01,delivered,email,,
        b,2024-01-01,delivered,email,,
        c,2024-01-02,delivered,email,,
        a,2024-01-02,Opened,email,,
        a,2024-01-03,clicked,email,,
        ,2024-01-03,clicked,email,,
        a,2024-01-04,visit,web,60,v1
        ,2024-01-04,visit,web,120,v1
        ,2024-01-05,visit,web,30,v2
        ,2024-01-06,visit,web,,
        b,2024-02-01,sent,email,,
    """)
    project.config(EVENTS)
    v = _values(project, ("engagement_rate", "website_traffic", "unique_visitors", "avg_time_on_site",
                          "active_engaged_customers"))
    assert v[("engagement_rate", 1)] == pytest.approx(3 / 3)  # opened, clicked, clicked over 3 delivered
    assert v[("website_traffic", 1)] == 4 and v[("unique_visitors", 1)] == 2  # v1, v2; one visit has no id
    assert v[("avg_time_on_site", 1)] == pytest.approx(70.0)
    assert v[("active_engaged_customers", 1)] == 1  # a; the anonymous click is excluded
    assert v[("engagement_rate", 2)] is None  # nothing delivered in February
    assert v[("website_traffic", 2)] == 0


def test_engaged_events_are_configurable(project):
    project.file("events.csv", "who,at,event,channel,secs,visitor\na,2024-01-01,delivered,email,,\n"
                               "a,2024-01-02,replied,email,,\na,2024-01-03,opened,email,,\n")
    project.config(textwrap.dedent(EVENTS) + "definitions: {engaged_events: [replied]}\n")
    assert _values(project, ("engagement_rate",))[("engagement_rate", 1)] == 1.0

"""Acquisition cohorts on the hand-computed `activity_shop` of conftest.py (churn_after_days 30).

Spells: a [Jan 5, Feb 19), b [Mar 1, Mar 31), c [Jan 10, Feb 9) and [Apr 15, May 15), d [May 20, open).
Cohorts: January {a, c}, March {b}, May {d}. Every order is worth 10.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from crmctl.cohorts.build import build_cohorts
from crmctl.config import load_config
from crmctl.report.build import with_overrides


def _cohorts(project, **overrides):
    config = load_config(project.root / "crmctl.yaml")
    frame, meta = build_cohorts(config, with_overrides(config.report, **overrides))
    return {(r["cohort"].month, r["period_index"]): r for r in frame.to_dicts()}, meta


def test_retention_triangle(activity_shop):
    cells, meta = _cohorts(activity_shop)
    assert meta["activity_model"] == "transactional"
    assert {k: (r["customers"], r["retained"]) for k, r in cells.items()} == {
        (1, 0): (2, 2), (1, 1): (2, 0), (1, 2): (2, 0), (1, 3): (2, 1), (1, 4): (2, 0),  # c is back by May 1
        (3, 0): (1, 0), (3, 1): (1, 0), (3, 2): (1, 0),  # b churns inside March
        (5, 0): (1, 1),
    }
    assert cells[(1, 3)]["rate"] == 0.5 and cells[(1, 3)]["period_start"] == dt.date(2024, 4, 1)


def test_revenue_retention(activity_shop):
    cells, _ = _cohorts(activity_shop)
    assert [cells[(1, i)]["revenue"] for i in range(5)] == [30.0, 0.0, 0.0, 10.0, 0.0]
    assert cells[(1, 3)]["revenue_rate"] == pytest.approx(1 / 3)
    assert cells[(3, 0)]["revenue_rate"] == 1.0


def test_from_selects_cohorts_and_period_all_is_refused(activity_shop):
    cells, _ = _cohorts(activity_shop, start=dt.date(2024, 3, 1))
    assert {k[0] for k in cells} == {3, 5}
    from crmctl.errors import UsageError

    with pytest.raises(UsageError, match="cohorts need periods"):
        _cohorts(activity_shop, period="all")


def test_cohorts_command(cli, activity_shop):
    config = str(activity_shop.root / "crmctl.yaml")
    csv_out = cli("cohorts", "-c", config, "-f", "csv")
    assert csv_out.exit_code == 0
    assert csv_out.stdout.splitlines()[:2] == [
        "cohort,period_index,period_start,customers,retained,rate,revenue,revenue_rate",
        "2024-01-01,0,2024-01-01,2,2,1,30,1"]
    table = cli("cohorts", "-c", config)
    assert "customers still active" in table.stdout and "revenue vs the acquisition period" in table.stdout
    # Piped: plain aligned text, no box drawing (issue 16, as the report prints in a pipe).
    assert ["2024-01", "2", "100.0%", "0.0%", "0.0%", "50.0%", "0.0%"] in [line.split() for line in
                                                                       table.stdout.splitlines()]
    assert "│" not in table.stdout
    assert cli("cohorts", "-c", config, "--period", "all").exit_code == 2


# CDNOW's transaction log as it is published: runs of spaces, no header, no order id.
CDNOW_LOG = f"""
    datasets:
      orders:
        path: {Path(__file__).parent / "data" / "models" / "CDNOW_sample.txt"}
        delimiter: whitespace
        header: false
        columns: {{customer_id: column_2, ordered_at: {{column: column_3, format: "%Y%m%d"}}, amount: column_5}}
"""


def test_the_90_day_rule_makes_early_cells_100_percent_and_says_so(project):
    """CDNOW's log under the transactional model: every customer is active 90 days after an order, so each
    cohort's months 0 and 1 are 100% whatever the customers do, month 2 nearly; the meta says so."""
    import polars as pl

    from crmctl.config import ReportSpec

    config = project.load(CDNOW_LOG)
    frame, meta = build_cohorts(config, ReportSpec(period="month"))
    assert meta["activity_model"] == "transactional"
    assert meta["notes"] == ["Retention is 100% by construction in periods 0–1 and nearly 100% by construction in "
                             "period 2: a customer counts as active for 90 days after each order (churn_after_days), "
                             "so nobody can have churned yet; read the triangle from period 3 on."]
    early = frame.filter(pl.col("period_index") <= 1)
    assert early.height and (early["rate"] == 1.0).all()
    assert frame.filter(pl.col("period_index") == 2)["rate"].min() > 0.9
    quarterly = build_cohorts(config, ReportSpec(period="quarter"))[1]["notes"][0]
    assert quarterly.startswith("Retention is nearly 100% by construction in period 0: ")  # 90 of 90–92 days
    assert build_cohorts(config, ReportSpec(period="year"))[1]["notes"] == []  # a year outlasts 90 days


def test_the_html_page_carries_the_construction_note(project, cli):
    project.config(CDNOW_LOG)
    page = cli("cohorts", "-c", str(project.root / "crmctl.yaml"), "-f", "html").stdout
    assert '<p class="sub">Retention is 100% by construction in periods 0–1 and nearly 100%' in page

"""`crmctl cohorts --project N`: sBG fits per cohort, projected cells, DERL (issue 13, part 4)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

import models_reference as ref
from crmctl.cohorts.build import build_cohorts, subscription_lifetimes
from crmctl.config import load_config
from crmctl.report.build import with_overrides

# Fader & Hardie (2007), Table 1: "regular" customers alive at the start of years 1..13.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]

SUBSCRIPTIONS_CONFIG = """
    datasets:
      subscriptions:
        path: subscriptions.csv
        columns: {subscription_id: id, customer_id: customer, started_at: start, ended_at: end}
    report: {period: %s}
"""


def _subscriptions(project, spans, period) -> None:
    """spans: (start, end or None) per subscription, one customer each."""
    lines = ["id,customer,start,end"] + [f"s{i},c{i},{start},{end or ''}" for i, (start, end) in enumerate(spans)]
    project.file("subscriptions.csv", "\n".join(lines) + "\n")
    project.config(SUBSCRIPTIONS_CONFIG % period)


@pytest.fixture
def paper(project):
    """1000 subscriptions started 2000-01-15; the churners of year t end mid-year 2000 + t, so the
    cohort's customers active at the end of years 2000..2007 are the paper's first eight counts."""
    spans = []
    for year, (alive, left) in enumerate(zip(REGULAR[:7], REGULAR[1:8]), start=2001):
        spans += [("2000-01-15", f"{year}-06-30")] * (alive - left)
    spans += [("2000-01-15", None)] * REGULAR[7]
    _subscriptions(project, spans, "year")
    return load_config(project.root / "crmctl.yaml")


def test_paper_cohort_fit_and_derl(paper):
    spec = with_overrides(paper.report, end=dt.date(2007, 12, 31))
    fits = subscription_lifetimes(paper, spec).to_dicts()
    assert len(fits) == 1
    fit = fits[0]
    assert fit["cohort"] == dt.date(2000, 1, 1) and fit["period"] == "year" and fit["periods_observed"] == 8
    assert fit["alpha"] == pytest.approx(0.704, rel=0.01) and fit["beta"] == pytest.approx(1.182, rel=0.01)
    # Yearly periods: the 10% annual rate is the per-period rate; valued after 7 renewals.
    assert fit["derl_periods"] == pytest.approx(ref.derl_sum(fit["alpha"], fit["beta"], 0.10, 7), rel=1e-6)
    assert fit["note"] is None


def test_paper_projection_tracks_the_held_out_years(paper):
    spec = with_overrides(paper.report, end=dt.date(2007, 12, 31))
    frame, meta = build_cohorts(paper, spec, project=5)
    rows = frame.to_dicts()
    observed = [r for r in rows if not r["projected"]]
    assert [r["retained"] for r in observed] == REGULAR[:8]
    projected = [r for r in rows if r["projected"]]
    assert [r["period_index"] for r in projected] == [8, 9, 10, 11, 12]
    assert [r["period_start"] for r in projected] == [dt.date(y, 1, 1) for y in range(2008, 2013)]
    assert [r["rate"] for r in projected] == pytest.approx([n / 1000 for n in REGULAR[8:]], rel=0.03)
    assert all(r["retained"] is None and r["revenue"] is None and r["customers"] == 1000 for r in projected)
    assert meta["projection"]["periods"] == 5 and meta["projection"]["discount_rate"] == 0.10


@pytest.fixture
def small(project):
    """Monthly. January cohort: 60 start Jan 10; 30 leave Feb 15, 10 leave Mar 15, 20 stay: 60, 30, 20 at
    the ends of Jan, Feb, Mar, so S(1) = 1/2, S(2) = 1/3 and the sBG fit is exactly alpha = beta = 1
    (two rates, two parameters). February cohort: 2 start Feb 20, 1 leaves Mar 10: two periods only.
    (At 6, 3, 2 the likelihood is too flat to pin alpha and beta down, and the fit is refused.)"""
    spans = [("2024-01-10", "2024-02-15")] * 30 + [("2024-01-10", "2024-03-15")] * 10 + [("2024-01-10", None)] * 20
    spans += [("2024-02-20", "2024-03-10"), ("2024-02-20", None)]
    _subscriptions(project, spans, "month")
    return load_config(project.root / "crmctl.yaml")


def _by_cohort(frame):
    return {(r["cohort"].month, r["period_index"]): r for r in frame.to_dicts()}


def test_hand_computed_projection_and_short_cohort(small):
    frame, meta = build_cohorts(small, with_overrides(small.report, end=dt.date(2024, 3, 31)), project=2)
    cells = _by_cohort(frame)
    assert [cells[(1, i)]["rate"] for i in range(3)] == [1.0, 0.5, pytest.approx(1 / 3)]
    # S(t) = 1/(t+1) with alpha = beta = 1: April 1/4, May 1/5.
    assert cells[(1, 3)]["rate"] == pytest.approx(1 / 4, rel=1e-4) and cells[(1, 3)]["projected"]
    assert cells[(1, 4)]["rate"] == pytest.approx(1 / 5, rel=1e-4)
    assert cells[(1, 4)]["period_start"] == dt.date(2024, 5, 1)
    assert not any(r["projected"] for k, r in cells.items() if k[0] == 2)  # too short: no projection
    fits = {f["cohort"].month: f for f in meta["projection"]["fits"]}
    assert fits[1]["alpha"] == pytest.approx(1, rel=1e-3) and fits[1]["beta"] == pytest.approx(1, rel=1e-3)
    assert fits[2]["alpha"] is None and fits[2]["note"] == (
        "too short to project: 2 complete period(s) observed, the sBG model needs 3 or more")
    # DERL: monthly rate from 10% a year, valued after the 2 renewals of the latest period.
    monthly = 1.1 ** (1 / 12) - 1
    assert fits[1]["derl_periods"] == pytest.approx(ref.derl_sum(1.0, 1.0, monthly, 2), rel=1e-3)


def test_a_period_the_data_ends_inside_is_not_fitted(small):
    # Data to March 20: March is shown but its survivors are not final, so January has 2 complete periods.
    frame, meta = build_cohorts(small, with_overrides(small.report, end=dt.date(2024, 3, 20)), project=2)
    assert not frame["projected"].any()
    assert {f["cohort"].month: f["periods_observed"] for f in meta["projection"]["fits"]} == {1: 2, 2: 1}
    lifetimes = subscription_lifetimes(small, with_overrides(small.report, end=dt.date(2024, 3, 20)))
    assert lifetimes["derl_periods"].null_count() == 2 and lifetimes["note"].str.starts_with("too short").all()


def test_discount_rate_knob_and_no_projection_column_without_project(small, project):
    frame, _ = build_cohorts(small, with_overrides(small.report, end=dt.date(2024, 3, 31)))
    assert "projected" not in frame.columns
    text = (project.root / "crmctl.yaml").read_text() + "definitions: {discount_rate: 0.5}\n"
    config = project.load(text)
    fit = subscription_lifetimes(config, with_overrides(config.report, end=dt.date(2024, 3, 31))).row(0, named=True)
    assert fit["derl_periods"] == pytest.approx(ref.derl_sum(1.0, 1.0, 1.5 ** (1 / 12) - 1, 2), rel=1e-3)


def test_cli_csv_and_json_carry_projected(cli, small, project):
    config = str(project.root / "crmctl.yaml")
    csv_out = cli("cohorts", "-c", config, "--to", "2024-03-31", "--project", "2", "-f", "csv")
    assert csv_out.exit_code == 0, csv_out.stderr
    rows = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert list(rows[0])[-2:] == ["revenue_rate", "projected"]
    assert [(r["period_index"], r["projected"]) for r in rows[:5]] == [
        ("0", "false"), ("1", "false"), ("2", "false"), ("3", "true"), ("4", "true")]
    assert rows[3]["period_start"] == "2024-04-01" and rows[3]["retained"] == ""
    assert float(rows[3]["rate"]) == pytest.approx(0.25, rel=1e-4)
    out = cli("cohorts", "-c", config, "--to", "2024-03-31", "--project", "2", "-f", "json").json()
    assert sum(r["projected"] for r in out["rows"]) == 2
    assert [f["cohort"] for f in out["meta"]["projection"]["fits"]] == ["2024-01-01", "2024-02-01"]
    table = cli("cohorts", "-c", config, "--to", "2024-03-31", "--project", "2")
    assert "25.0%*" in table.stdout and "* projected: sBG model" in table.stdout
    assert "2024-02: too short to project" in table.stdout
    assert cli("cohorts", "-c", config, "--project", "-1").exit_code == 2


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown", "html"])
def test_sample_data_end_to_end(cli, fmt):
    out = cli("cohorts", "--period", "quarter", "--project", "3", "-f", fmt)
    assert out.exit_code == 0, out.stderr
    if fmt == "json":
        assert any(r["projected"] for r in out.json()["rows"])
    else:
        assert ("true" if fmt == "csv" else "projected") in out.stdout

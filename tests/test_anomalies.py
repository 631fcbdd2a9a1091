"""Anomalies without targets: the bands by hand, planted shifts, the false-alarm rate on pure noise,
and `check --anomalies` / `report --anomalies` through the CLI."""

from __future__ import annotations

import datetime as dt
import importlib.util
import math

import pytest
from scipy.stats import betabinom, t

from crmctl.metrics.metric import Metric
from crmctl.monitor.anomalies import CONFIDENCE, Series, judge_series
from crmctl.monitor.bands import robust_band, rate_range, seasonal_factors
from tests.conftest import ROOT

RATE = Metric("csat", "CSAT", "satisfaction", "ratio", "", ("surveys.score",), interval="wilson")
MONEY = Metric("revenue", "Revenue", "sales", "money", "", ("orders.amount",), kind="total")


def test_median_band_by_hand():
    # median 11; |residuals| 1,1,0,2,2,0 → MAD 1 → spread 1.4826; df = 0.37·5; ×√(1 + 1/6).
    band = robust_band([10, 12, 11, 13, 9, 11], range(6), 6, 0.99)
    half = t.ppf(0.995, 0.37 * 5) * 1.4826 * math.sqrt(1 + 1 / 6)
    assert (band.expected, band.low, band.high) == (11, pytest.approx(11 - half), pytest.approx(11 + half))
    assert band.basis.startswith("median")


def test_a_count_gets_at_least_poisson_spread():
    band = robust_band([400] * 6, range(6), 6, 0.99, count=True)  # MAD 0: the Poisson √400 = 20 instead
    assert (band.low, band.high) == (pytest.approx(400 - 2.575829 * 20 * math.sqrt(7 / 6), abs=1e-3),
                                     pytest.approx(400 + 2.575829 * 20 * math.sqrt(7 / 6), abs=1e-3))


def test_a_clear_trend_is_followed_and_noise_is_not_read_as_one():
    growing = robust_band([100 + 10 * i + (1 if i % 2 else -1) for i in range(12)], range(12), 12, 0.99)
    assert growing.basis.startswith("trend") and growing.expected == pytest.approx(220, abs=2)
    flat = robust_band([100, 103, 98, 101, 99, 102, 100, 97, 101, 100], range(10), 10, 0.99)
    assert flat.basis.startswith("median") and flat.expected == 100


def test_seasonal_factors_need_each_season_twice():
    assert seasonal_factors([10, 20, 10, 20], [0, 1, 0, 1]) == {0: pytest.approx(2 / 3), 1: pytest.approx(4 / 3)}
    assert seasonal_factors([10, 20, 10], [0, 1, 0]) is None
    assert seasonal_factors([10, 0, 10, 0, 10], [0, 1, 0, 1, 0]) is None  # a season of zeros cannot scale
    weekdays = [100, 100, 100, 100, 100, 30, 30] * 3  # weekends are quiet
    band = robust_band(weekdays, range(21), 21, 0.99, seasons=[i % 7 for i in range(21)], season=5)
    assert band.expected == pytest.approx(30) and "seasonally adjusted" in band.basis


def test_rate_range_is_the_beta_binomials():
    # Six months of 40 of 100: p = 240.5/601, no spread between months (τ² = 0), so the Beta's
    # strength is p(1 − p)/(p(1 − p)/601) − 1 = 600; its quantiles at n = 100.
    band = rate_range([40] * 6, [100] * 6, [0.048] * 6, 100, 0.99)
    p = 240.5 / 601
    low, high = betabinom.ppf([0.005, 0.995], 100, p * 600, (1 - p) * 600)
    assert (band.expected, band.low, band.high) == (pytest.approx(p), pytest.approx(low / 100),
                                                    pytest.approx(high / 100))


def _months(values, trials=None):
    rows = []
    for i, value in enumerate(values):
        start = dt.date(2024 + i // 12, i % 12 + 1, 1)
        end = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1) - dt.timedelta(days=1)
        row = {"period_start": start, "period_end": end, "value": value, "n": trials or 1, "ci_low": None,
               "ci_high": None, "numerator": value, "denominator": None}
        if trials:
            from crmctl import stats

            x = round(value * trials)
            low, high = stats.wilson_interval(x, trials, 0.95)
            row.update(numerator=x, denominator=trials, ci_low=low, ci_high=high)
        rows.append(row)
    return rows


def test_a_planted_drop_in_a_rate_is_flagged_with_why():
    rows = _months([0.40, 0.42, 0.38, 0.41, 0.39, 0.40, 0.43, 0.37, 0.40, 0.41, 0.39, 0.40, 0.20], trials=100)
    verdicts = judge_series(Series(RATE, rows, "month", None, 0.95), CONFIDENCE)
    assert [v["anomaly"] for v in verdicts] == [None] * 12 + ["low"]
    assert verdicts[5]["expected"] is None  # months 1–6 have too little history to judge
    assert verdicts[-1]["anomaly_reason"].startswith("20.0% from n = 100 is below the expected ")
    assert verdicts[-1]["anomaly_reason"].endswith("12 months of history)")


def test_an_incomplete_last_period_is_not_judged():
    rows = [{**r, "n": 40} for r in _months([100, 104, 97, 101, 99, 103, 98, 1])]
    verdicts = judge_series(Series(MONEY, rows, "month", rows[-1]["period_start"] + dt.timedelta(days=2), 0.95),
                            CONFIDENCE)
    assert verdicts[-1]["anomaly"] is None and verdicts[-1]["expected"] is None
    judged = judge_series(Series(MONEY, rows, "month", None, 0.95), CONFIDENCE)
    assert judged[-1]["anomaly"] == "low"


def _simulation():
    spec = importlib.util.spec_from_file_location("anomaly_rates", ROOT / "benchmarks" / "anomaly_rates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_false_alarms_on_pure_noise_and_detection_of_planted_shifts():
    """docs/monitoring.md: about 1% of judged months of pure noise flagged (at most 2% in 400 series
    per kind); here 25 series per kind: at most 3%; a 5σ shift of the last month caught ≥ 70%."""
    for kind, (false_alarms, detection) in _simulation().rates(series=25, shift=5.0).items():
        assert false_alarms <= 0.03, kind
        assert detection >= 0.7, kind


SHOP = """
    version: 1
    datasets:
      orders:
        path: orders.csv
        columns: {order_id: id, customer_id: customer, ordered_at: {column: date, format: "%Y-%m-%d"}, amount: amount}
    report: {period: month, metrics: [revenue]}
"""
MONTHLY = [95, 105, 100, 98, 102, 101, 99, 103, 97, 100, 104, 96, 300]


def _shop(project):
    lines = ["id,customer,date,amount"]
    for i, amount in enumerate(MONTHLY):  # 30 orders a month (a money total needs 30 to be judged)
        day = dt.date(2024 + i // 12, i % 12 + 1, 28)
        lines += [f"o{i}-{k},c{k % 3},{day},{3 if k else amount - 87}" for k in range(30)]
    lines.append("last,c1,2025-01-31,0")  # the data runs to January's last day: January is complete (31 orders)
    project.file("orders.csv", "\n".join(lines) + "\n")
    return project.config(SHOP)


def test_check_anomalies_exits_1_and_says_why(cli, project):
    result = cli("check", "-c", str(_shop(project)), "--anomalies")
    assert result.exit_code == 1
    # median 100; |deviations| 5,5,0,2,2,1,1,3,3,0,4,4 → MAD 2.5: 300 is far outside.
    assert result.stdout.startswith("ANOMALY: revenue 2025-01-01..2025-01-31: 300.00 is above the expected ")
    assert "(around 100.00: median of the past periods ± their robust spread (MAD); 12 months of history)" in (
        result.stdout)
    december = cli("check", "-c", str(_shop(project)), "--anomalies", "--period-end", "2024-12-31", "-f", "json")
    assert december.exit_code == 0 and december.json()["anomalies"] == [] and december.json()["ok"] is True


def test_a_money_total_of_few_orders_is_not_judged():
    rows = _months([100, 104, 97, 101, 99, 103, 98, 1000])  # n = 1 order a month
    assert judge_series(Series(MONEY, rows, "month", None, 0.95), CONFIDENCE)[-1]["expected"] is None


def test_report_anomalies_adds_columns(cli, project):
    result = cli("report", "-c", str(_shop(project)), "--anomalies", "-f", "json")
    rows = result.json()["rows"]
    assert [r["anomaly"] for r in rows] == [None] * 12 + ["high"]
    assert rows[-1]["expected"] == 100 and rows[5]["expected"] is None
    table = cli("report", "-c", str(_shop(project)), "--anomalies", "--last", "2m")
    assert "300.00!" in table.stdout
    assert "! outside what its history makes plausible (why: anomaly_reason in -f csv|json)" in table.stdout


def test_a_rate_above_one_is_judged_by_the_robust_band():
    rows = _months([0.9, 1.1, 1.0, 0.95, 1.05, 1.0, 1.02, 2.5], trials=None)
    for row, (x, n) in zip(rows, [(9, 10), (11, 10), (10, 10), (19, 20), (21, 20), (10, 10), (51, 50), (25, 10)]):
        row.update(numerator=x, denominator=n)
    verdicts = judge_series(Series(RATE, rows, "month", None, 0.95), CONFIDENCE)
    assert verdicts[-1]["anomaly"] == "high" and "median of the past periods" in verdicts[-1]["anomaly_reason"]

"""False alarms and detection of crmctl's anomaly flags on generated monthly series.

    python benchmarks/anomaly_rates.py            # the table in docs/monitoring.md

Each series has 18 months. Pure noise: every month drawn from the same distribution (a rate of 0.4
from n = 150 responses, Poisson counts around 400, money as the sum of 120 lognormal orders, an NPS
from 200 answers). Planted shift: the last month only moves by `shift` standard deviations of its
own month-to-month noise. A false alarm is any flag on a pure-noise series' judged months (6 to 18);
detection is a flag on the shifted last month. tests/test_anomalies.py runs the same code on fewer
series and asserts the bounds docs/monitoring.md states.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from crmctl.metrics.metric import Metric
from crmctl.monitor.anomalies import CONFIDENCE, Series, judge_series

MONTHS = 18
KINDS = ("rate", "count", "money", "nps")


def _metric(kind: str) -> Metric:
    unit = {"rate": "ratio", "count": "count", "money": "money", "nps": "score"}[kind]
    interval = {"rate": "wilson", "nps": "nps"}.get(kind)
    return Metric(kind, kind, "test", unit, "", ("orders.amount",), kind="total" if interval is None else "ratio",
                  scale=100.0 if kind == "nps" else 1.0, interval=interval)


def _month(i: int) -> tuple[dt.date, dt.date]:
    start = dt.date(2024 + i // 12, i % 12 + 1, 1)
    end = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def _rows(kind: str, rng, shift: float) -> list[dict]:
    """One series; the last month moved by `shift` × its noise's standard deviation."""
    from crmctl import stats

    rows = []
    for i in range(MONTHS):
        moved = shift if i == MONTHS - 1 else 0.0
        start, end = _month(i)
        row = {"period_start": start, "period_end": end, "ci_low": None, "ci_high": None}
        if kind == "rate":
            n, p = 150, 0.4 + moved * math.sqrt(0.4 * 0.6 / 150)
            x = float(rng.binomial(n, p))
            low, high = stats.wilson_interval(x, n, 0.95)
            row.update(value=x / n, numerator=x, denominator=n, n=n, ci_low=low, ci_high=high)
        elif kind == "count":
            x = float(rng.poisson(400 + moved * 20))
            row.update(value=x, numerator=x, denominator=None, n=int(x))
        elif kind == "money":
            amounts = rng.lognormal(5.0, 0.6, 120)
            sd = math.sqrt(120 * (math.exp(0.36) - 1) * math.exp(10 + 0.36))
            row.update(value=float(amounts.sum()) + moved * sd, numerator=None, denominator=None, n=120)
        else:
            answers = rng.choice([1, 0, -1], 200, p=[0.45, 0.3, 0.25])
            promoters, detractors = float((answers == 1).sum()), float((answers == -1).sum())
            nps = (promoters - detractors) / 200 * 100 + moved * 6.0  # σ of an NPS from 200 answers ≈ 6 points
            low, high = stats.nps_interval(promoters, detractors, 200, 0.95)
            half = (high - low) / 2  # the unshifted sample's interval, around the (shifted) value
            row.update(value=nps, numerator=None, denominator=200, n=200, ci_low=nps - half, ci_high=nps + half)
        rows.append(row)
    return rows


def rates(series: int = 400, shift: float = 4.0, seed: int = 7, confidence: float = CONFIDENCE) -> dict:
    """kind → (false alarms per judged month on noise, share of shifted last months flagged)."""
    rng = np.random.default_rng(seed)
    out = {}
    for kind in KINDS:
        metric, alarms, judged, detected = _metric(kind), 0, 0, 0
        for _ in range(series):
            noise = judge_series(Series(metric, _rows(kind, rng, 0.0), "month", None, 0.95), confidence)
            alarms += sum(v["anomaly"] is not None for v in noise)
            judged += sum(v["expected"] is not None for v in noise)
            shifted = judge_series(Series(metric, _rows(kind, rng, shift), "month", None, 0.95), confidence)
            detected += shifted[-1]["anomaly"] is not None
        out[kind] = (alarms / judged, detected / series)
    return out


if __name__ == "__main__":
    for shift in (3.0, 4.0, 5.0):
        for kind, (false_alarms, detection) in rates(shift=shift).items():
            print(f"shift {shift:.0f}σ  {kind:6}  false alarms {false_alarms:6.2%} of judged months  "
                  f"detected {detection:6.1%}")

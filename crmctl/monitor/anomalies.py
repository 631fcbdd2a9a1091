"""Anomalies without targets: a period whose value falls outside what its own history makes plausible.

Each metric × segment series of a report is judged period by period against the periods before it
(bands.py): sampled values (rates, NPS, means, medians) by their observations' noise, totals by a
robust band. A flag says why, in words, with the expected range. The last period is not judged
while it is incomplete (a month that has run for three days is not an anomaly, only young).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import polars as pl

from crmctl.monitor.bands import Band, rate_range, robust_band, sampled_range
from crmctl.render.base import format_value

CONFIDENCE = 0.99  # per period judged: about 1 false alarm in 100 periods of pure noise (docs/monitoring.md)
MIN_HISTORY = 6  # past periods with a value needed before a period is judged
MIN_ORDERS = 30  # a money total is judged only from at least this many rows, against past periods that had as many
HISTORY = {"day": 56, "week": 26, "month": 24, "quarter": 12, "year": 8}  # at most this many past periods
NOUNS = {"day": "days", "week": "weeks", "month": "months", "quarter": "quarters", "year": "years"}
COLUMNS = ("expected", "expected_low", "expected_high", "anomaly", "anomaly_reason")


@dataclass(frozen=True)
class Series:
    """One metric × segment of a report, in period order, and what judging it needs to know."""
    metric: object  # crmctl.metrics.metric.Metric
    rows: list[dict]
    period: str
    last_day: object  # the data's last day: periods ending after it are incomplete
    confidence: float  # of the report's ci_low/ci_high, from which standard errors are recovered


def flag_report(result, confidence: float = CONFIDENCE) -> pl.DataFrame:
    """The report's rows with COLUMNS added: expected value and range, anomaly "high"/"low", and why.
    The report must have been built with ci (intervals give sampled values their standard errors)."""
    metrics = {m.name: m for m in result.metrics}
    groups: dict[tuple, list[int]] = {}
    records = result.rows.to_dicts()
    for index, row in enumerate(records):
        groups.setdefault((row["metric"], *(row[b] for b in result.by)), []).append(index)
    judged: list[dict] = [dict.fromkeys(COLUMNS) for _ in records]
    last_day = result.window.end if result.window else None
    if result.period != "all":
        for (name, *_), indexes in groups.items():
            # a group's rows all have a period or (a timeless metric) none
            ordered = sorted(indexes, key=lambda i: records[i]["period_start"] or 0)
            series = Series(metrics[name], [records[i] for i in ordered], result.period, last_day, result.confidence)
            for index, verdict in zip(ordered, judge_series(series, confidence)):
                judged[index] = verdict
    extra = pl.DataFrame(judged, schema={"expected": pl.Float64, "expected_low": pl.Float64,
                                         "expected_high": pl.Float64, "anomaly": pl.String,
                                         "anomaly_reason": pl.String})
    return pl.concat([result.rows.drop([c for c in COLUMNS if c in result.rows.columns]), extra], how="horizontal")


def judge_series(series: Series, confidence: float) -> list[dict]:
    """One verdict (COLUMNS) per row of the series."""
    out = []
    for position, row in enumerate(series.rows):
        verdict = dict.fromkeys(COLUMNS)
        past = [(i, r) for i, r in enumerate(series.rows[:position]) if _number(r["value"])]
        past = _comparable(series.metric, row, past)[-HISTORY.get(series.period, 24):]
        complete = series.last_day is None or row["period_end"] is None or row["period_end"] <= series.last_day
        if _number(row["value"]) and complete and len(past) >= MIN_HISTORY:
            band = _band(series, row, position, past, confidence)
            if band is not None:
                verdict = _verdict(series, row, band, len(past))
        out.append(verdict)
    return out


def _comparable(metric, row: dict, past: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
    """The past periods this one can be judged against: all, except that a money total is judged only
    from MIN_ORDERS rows, against periods that had as many (of a few orders, one large order moves a
    total more than any band can say)."""
    if metric.unit != "money" or metric.interval is not None:
        return past
    if (row.get("n") or 0) < MIN_ORDERS:
        return []
    return [(i, r) for i, r in past if (r.get("n") or 0) >= MIN_ORDERS]


def _band(series: Series, row: dict, position: int, past: list[tuple[int, dict]], confidence: float) -> Band | None:
    metric = series.metric
    if metric.interval is not None and not _beyond_proportion(metric, [row, *(r for _, r in past)]):
        se = [_standard_error(r, series.confidence) for _, r in past]
        if sum(math.isfinite(s) and s > 0 for s in se) < MIN_HISTORY:
            return None
        if metric.interval == "wilson":
            return _rate_band(metric, row, [r for _, r in past], se, confidence)
        own = _standard_error(row, series.confidence)
        values = [r["value"] for _, r in past]
        return None if not math.isfinite(own) else _clipped(metric, sampled_range(values, se, own, confidence))
    seasons = [_season(r["period_start"], series.period) for _, r in past]
    band = robust_band([r["value"] for _, r in past], [i for i, _ in past], position, confidence,
                       count=metric.unit == "count", seasons=None if seasons[0] is None else seasons,
                       season=_season(row["period_start"], series.period))
    return _clipped(metric, band)


def _beyond_proportion(metric, rows: list[dict]) -> bool:
    """A "rate" whose numerator outgrows its denominator (engaged events ÷ delivered ones, when opens are
    logged without deliveries) is no proportion: it gets the robust band, not a binomial's."""
    return metric.interval == "wilson" and any(
        _number(r.get("numerator")) and _number(r.get("denominator")) and r["numerator"] > r["denominator"]
        for r in rows)


def _standard_error(row: dict, confidence: float) -> float:
    """A value's standard error from its interval: half its width over the normal quantile."""
    low, high = row.get("ci_low"), row.get("ci_high")
    if not (_number(low) and _number(high)):
        return float("nan")
    return (high - low) / (2 * _critical(confidence))


@functools.lru_cache(maxsize=8)
def _critical(confidence: float) -> float:
    from crmctl.stats._core import normal_critical

    return normal_critical(confidence)


def _rate_band(metric, row: dict, past: list[dict], se: list[float], confidence: float) -> Band | None:
    """A rate judged on its counts: numerator successes of denominator trials, past and present."""
    counted = [(r, s) for r, s in zip(past, se) if _number(r["denominator"]) and r["denominator"] > 0
               and math.isfinite(s)]
    trials = row.get("denominator")
    if len(counted) < MIN_HISTORY or not _number(trials) or trials <= 0:
        return None
    return rate_range([r["numerator"] for r, _ in counted], [r["denominator"] for r, _ in counted],
                      [s for _, s in counted], trials, confidence, metric.scale)


def _clipped(metric, band: Band) -> Band:
    """An NPS cannot leave [−100, 100], a count go below 0 (a rate's range is a binomial's: inside)."""
    low, high = band.low, band.high
    if metric.interval == "nps":
        low, high = max(low, -100.0), min(high, 100.0)
    elif metric.unit == "count":
        low = max(low, 0.0)
    return Band(band.expected, low, high, band.basis)


def _verdict(series: Series, row: dict, band: Band, history: int) -> dict:
    value, unit = row["value"], series.metric.unit
    verdict = {"expected": band.expected, "expected_low": band.low, "expected_high": band.high,
               "anomaly": None, "anomaly_reason": None}
    slack = 1e-9 * max(1.0, abs(band.low), abs(band.high))  # report values carry 12 significant digits
    if band.low - slack <= value <= band.high + slack:
        return verdict
    direction = "high" if value > band.high else "low"
    sample = f" from n = {row['n']:,}" if series.metric.interval is not None and row.get("n") else ""
    verdict["anomaly"] = direction
    verdict["anomaly_reason"] = (
        f"{format_value(value, unit)}{sample} is {'above' if direction == 'high' else 'below'} the expected "
        f"{format_value(band.low, unit)} to {format_value(band.high, unit)} "
        f"(around {format_value(band.expected, unit)}: {band.basis}; "
        f"{history} {NOUNS.get(series.period, 'periods')} of history)")
    return verdict


def _season(start, period: str):
    """The season a period belongs to, where seasons exist: weekday of a day, calendar month of a month."""
    if start is None:
        return None
    return start.weekday() if period == "day" else start.month if period == "month" else None


def _number(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))

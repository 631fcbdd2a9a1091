"""Uncertainty in reports: intervals for sampled values, tests for changes, small-n suppression.

Works on a metric's finished rows (value, numerator, denominator, n and the optional sufficient
statistics its plan adds: sd, promoters, detractors, values) after the lazy plans have run: the
methods are crmctl.stats' pure numpy functions, one call per metric over all of its rows. Which
method a metric takes is its declaration's `interval` (docs/statistics.md, "In reports").
"""

from __future__ import annotations

import polars as pl

from crmctl.metrics.metric import Metric

SAMPLE_COLUMNS = ("sd", "promoters", "detractors")  # what a plan may add for its interval and test
TESTED = ("numerator", "denominator", "n", "value", *SAMPLE_COLUMNS)  # carried as previous_* by --compare


def _column(frame: pl.DataFrame, name: str):
    """A column as a float numpy array with nan for null (absent columns: all nan)."""
    import numpy as np

    if name not in frame.columns:
        return np.full(frame.height, np.nan)
    return frame[name].cast(pl.Float64).fill_null(float("nan")).to_numpy()


def _series(name: str, array) -> pl.Series:
    """nan (the stats functions' "nothing honest to say") becomes null, as everywhere in a report."""
    return pl.Series(name, array, dtype=pl.Float64).fill_nan(None)


def add_intervals(frame: pl.DataFrame, metric: Metric, confidence: float) -> pl.DataFrame:
    """ci_low and ci_high for every row, null where the metric is not a sample or n is too small."""
    from crmctl import stats

    if frame.is_empty() or metric.interval is None:
        return frame.with_columns(ci_low=pl.lit(None, pl.Float64), ci_high=pl.lit(None, pl.Float64))
    if metric.interval == "quantile":
        return _quantile_interval(frame, metric.quantile, confidence)
    x, den, value = _column(frame, "numerator"), _column(frame, "denominator"), _column(frame, "value")
    if metric.interval == "wilson":
        low, high = stats.wilson_interval(x, den, confidence)
        low, high = low * metric.scale, high * metric.scale
    elif metric.interval == "nps":
        low, high = stats.nps_interval(_column(frame, "promoters"), _column(frame, "detractors"), den, confidence)
    else:  # mean: per observation, a t-interval (AOV: per order; see docs/statistics.md)
        low, high = stats.mean_interval(value, _column(frame, "sd"), den, confidence)
    return frame.with_columns(_series("ci_low", low), _series("ci_high", high))


def _quantile_interval(frame: pl.DataFrame, q: float, confidence: float) -> pl.DataFrame:
    """The order statistics at the distribution-free ranks (crmctl.stats.quantile_rank_bounds)."""
    from crmctl.stats import quantile_rank_bounds

    import numpy as np

    if "values" not in frame.columns:
        return frame.with_columns(ci_low=pl.lit(None, pl.Float64), ci_high=pl.lit(None, pl.Float64))
    sizes = frame["values"].list.len().fill_null(0).to_numpy().astype(float)
    lo, hi = (np.atleast_1d(r) for r in quantile_rank_bounds(sizes, q, confidence))
    ranks = pl.DataFrame({"_lo": _series("_lo", lo - 1), "_hi": _series("_hi", hi - 1)}).cast(pl.Int64)
    picked = pl.concat([frame, ranks], how="horizontal").with_columns(
        ci_low=pl.col("values").list.get(pl.col("_lo"), null_on_oob=True).cast(pl.Float64),
        ci_high=pl.col("values").list.get(pl.col("_hi"), null_on_oob=True).cast(pl.Float64),
    )
    return picked.drop("_lo", "_hi")


def suppress_small(frame: pl.DataFrame, metric: Metric, min_n: int) -> pl.DataFrame:
    """`--min-n`: a sampled value from fewer than min_n observations is null, noted "n < min_n".
    Totals are not samples: a count of 3 is exactly 3, so they stay."""
    if metric.interval is None:
        return frame
    small = pl.col("value").is_not_null() & (pl.col("n") < min_n)
    nulled = [c for c in ("value", "ci_low", "ci_high") if c in frame.columns]
    return frame.with_columns(
        *(pl.when(small).then(None).otherwise(pl.col(c)).alias(c) for c in nulled),
        note=pl.when(small).then(pl.lit(f"n < {min_n}")).otherwise(pl.col("note")),
    )


def change_test(frame: pl.DataFrame, metric: Metric, confidence: float) -> pl.DataFrame:
    """p_value (two-sided) and significant (p < 1 − confidence) of value vs previous_*: the pooled
    two-proportion z-test, the z-test on the NPS difference, Welch's t-test for means; null for
    other metrics, when either side is missing, and where the test has nothing to say."""
    import numpy as np

    from crmctl import stats

    def both(name):
        return _column(frame, name), _column(frame, f"previous_{name}")

    if frame.is_empty() or metric.interval not in ("wilson", "nps", "mean"):
        p = np.full(frame.height, np.nan)
    elif metric.interval == "wilson":
        (x1, x2), (n1, n2) = both("numerator"), both("denominator")
        p = np.atleast_1d(stats.two_proportion_ztest(x1, n1, x2, n2)[1])
    elif metric.interval == "nps":
        (p1, p2), (d1, d2), (n1, n2) = both("promoters"), both("detractors"), both("denominator")
        p = np.atleast_1d(stats.nps_difference_ztest(p1, d1, n1, p2, d2, n2)[1])
    else:
        (m1, m2), (s1, s2), (n1, n2) = both("value"), both("sd"), both("denominator")
        p = np.atleast_1d(stats.welch_ttest(m1, s1, n1, m2, s2, n2)[2])
    p = np.where(np.isnan(_column(frame, "value")) | np.isnan(_column(frame, "previous")), np.nan, p)
    p_value = _series("p_value", p)
    return frame.with_columns(p_value, significant=p_value < 1 - confidence)

"""One estimator per kind of metric: its value, interval and standard error for one group, and the
test and lift interval of a variant against the control. Every number comes from crmctl.stats.

Kinds and their methods (docs/statistics.md, "Comparing groups"):
  proportion  x of n units: Wilson interval; Newcombe difference interval; pooled two-proportion z-test
  mean        per-customer values: Student t interval; Welch difference interval; Welch t-test
  ratio       Σnumerator ÷ Σdenominator over customers: delta-method normal interval and z-test
  nps         promoters and detractors of n responses: trinomial Wald interval and z-test
"""

from __future__ import annotations

from dataclasses import dataclass

from crmctl import stats


@dataclass(frozen=True)
class Estimate:
    n: int
    value: float
    se: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Test:
    lift: float
    lift_low: float
    lift_high: float
    p_value: float
    test: str


def proportion(data, confidence: float) -> Estimate:
    x, n = data
    low, high = stats.wilson_interval(x, n, confidence)
    return Estimate(n, x / n if n else float("nan"), stats.proportion_standard_error(x, n), low, high)


def proportion_test(variant, control, confidence: float) -> Test:
    low, high = stats.proportion_difference_interval(*variant, *control, confidence)
    _, p = stats.two_proportion_ztest(*variant, *control)
    (x1, n1), (x2, n2) = variant, control
    lift = x1 / n1 - x2 / n2 if n1 and n2 else float("nan")
    return Test(lift, low, high, p, "two-proportion z")


def mean(values, confidence: float) -> Estimate:
    n, m, sd = _moments(values)
    low, high = stats.mean_interval(m, sd, n, confidence)
    return Estimate(n, m, stats.mean_standard_error(sd, n), low, high)


def mean_test(variant, control, confidence: float) -> Test:
    n1, m1, s1 = _moments(variant)
    n2, m2, s2 = _moments(control)
    low, high = stats.mean_difference_interval(m1, s1, n1, m2, s2, n2, confidence)
    _, _, p = stats.welch_ttest(m1, s1, n1, m2, s2, n2)
    return Test(m1 - m2, low, high, p, "Welch t")


def _moments(values) -> tuple[int, float, float]:
    import numpy as np

    values = np.asarray(values, dtype=np.float64)
    n = values.size
    m = float(values.mean()) if n else float("nan")
    return n, m, float(values.std(ddof=1)) if n >= 2 else float("nan")


def ratio(data, confidence: float) -> Estimate:
    import math

    numerator, denominator = data
    value, variance = stats.delta_method_ratio(numerator, denominator)
    low, high = stats.ratio_interval(numerator, denominator, confidence)
    return Estimate(len(numerator), value, math.sqrt(variance) if variance >= 0 else float("nan"), low, high)


def ratio_test(variant, control, confidence: float) -> Test:
    low, high = stats.ratio_difference_interval(*variant, *control, confidence)
    _, p = stats.ratio_ztest(*variant, *control)
    return Test(ratio(variant, confidence).value - ratio(control, confidence).value, low, high, p, "delta-method z")


def nps(data, confidence: float) -> Estimate:
    promoters, detractors, n = data
    low, high = stats.nps_interval(promoters, detractors, n, confidence)
    value = 100 * (promoters - detractors) / n if n else float("nan")
    return Estimate(n, value, stats.nps_standard_error(promoters, detractors, n), low, high)


def nps_test(variant, control, confidence: float) -> Test:
    low, high = stats.nps_difference_interval(*variant, *control, confidence)
    _, p = stats.nps_difference_ztest(*variant, *control)
    return Test(nps(variant, confidence).value - nps(control, confidence).value, low, high, p, "NPS z")


KINDS = {"proportion": (proportion, proportion_test), "mean": (mean, mean_test),
         "ratio": (ratio, ratio_test), "nps": (nps, nps_test)}

"""How big the difference is: intervals for the absolute lift (1 − 2) and the relative lift (1 ÷ 2 − 1).

Group 1 is the variant, group 2 the reference. nan where the inputs cannot support an interval.
"""

from __future__ import annotations

from crmctl.stats._core import floats, nan_where, normal_critical, t_critical, unwrap
from crmctl.stats.intervals import nps_standard_error, wilson_interval
from crmctl.stats.significance import welch_degrees_of_freedom


def difference_interval(estimate1, se1, estimate2, se2, confidence: float = 0.95):
    """Wald interval for e₁ − e₂ of two independent, approximately normal estimates:
    (e₁ − e₂) ± z·√(se₁² + se₂²). nan when both standard errors are 0 or unknown."""
    import numpy as np

    e1, s1, e2, s2 = floats(estimate1, se1, estimate2, se2)
    se = np.sqrt(s1 * s1 + s2 * s2)
    half = normal_critical(confidence) * se
    no_variation = ~(se > 0)
    return unwrap(nan_where(no_variation, e1 - e2 - half)), unwrap(nan_where(no_variation, e1 - e2 + half))


def proportion_difference_interval(x1, n1, x2, n2, confidence: float = 0.95):
    """Newcombe's hybrid score interval for p₁ − p₂, built from the two Wilson intervals.

    Newcombe, R. G. (1998), "Interval estimation for the difference between independent
    proportions: comparison of eleven methods", Statistics in Medicine 17 (method 10). Better
    coverage than Wald for small n and rates near 0 or 1. Same numbers as statsmodels
    `confint_proportions_2indep(..., method="newcomb", compare="diff")`. It inverts no test, so at
    the edge it may disagree with the pooled z-test's p-value. nan when a group is empty.
    """
    import numpy as np

    x1, n1, x2, n2 = floats(x1, n1, x2, n2)
    low1, high1 = (np.asarray(v) for v in wilson_interval(x1, n1, confidence))
    low2, high2 = (np.asarray(v) for v in wilson_interval(x2, n2, confidence))
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = x1 / n1, x2 / n2
    diff = p1 - p2
    low = diff - np.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2)
    high = diff + np.sqrt((high1 - p1) ** 2 + (p2 - low2) ** 2)
    return unwrap(low), unwrap(high)


def mean_difference_interval(mean1, sd1, n1, mean2, sd2, n2, confidence: float = 0.95):
    """Welch interval for μ₁ − μ₂ from summary statistics: (m₁ − m₂) ± t(df_W)·√(s₁²/n₁ + s₂²/n₂),
    df_W the Welch–Satterthwaite degrees of freedom (Welch 1947). nan when a group has n < 2 or
    neither group varies."""
    import numpy as np

    m1, s1, n1, m2, s2, n2 = floats(mean1, sd1, n1, mean2, sd2, n2)
    df = np.asarray(welch_degrees_of_freedom(s1, n1, s2, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        half = t_critical(confidence, df) * np.sqrt(s1 * s1 / n1 + s2 * s2 / n2)
    return unwrap(m1 - m2 - half), unwrap(m1 - m2 + half)


def nps_difference_interval(prom1, det1, n1, prom2, det2, n2, confidence: float = 0.95):
    """Wald interval for NPS₁ − NPS₂ in NPS points (−200…200), unpooled trinomial variances;
    the interval matching `significance.nps_difference_ztest`."""
    import numpy as np

    p1, d1, n1, p2, d2, n2 = floats(prom1, det1, n1, prom2, det2, n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        nps1, nps2 = 100 * (p1 - d1) / n1, 100 * (p2 - d2) / n2
    low, high = difference_interval(
        nps1, nps_standard_error(p1, d1, n1), nps2, nps_standard_error(p2, d2, n2), confidence
    )
    return unwrap(np.clip(low, -200.0, 200.0)), unwrap(np.clip(high, -200.0, 200.0))


def relative_lift(estimate1, se1, estimate2, se2, confidence: float = 0.95):
    """Relative lift e₁/e₂ − 1 with its delta-method interval: (lift, low, high).

    Var(e₁/e₂) ≈ se₁²/e₂² + e₁²·se₂²/e₂⁴ for independent groups (first-order Taylor expansion;
    e.g. Deng, Knoblich & Lu 2018, "Applying the delta method in metric analytics", KDD §3.3).
    Only defined against a positive reference (e₂ > 0): relative change from a zero or negative
    baseline (an NPS of −10) means nothing, so those give nan. The standard errors come from
    `proportion_standard_error`, `mean_standard_error`, `nps_standard_error` or `delta_method_ratio`.
    """
    import numpy as np

    e1, s1, e2, s2 = floats(estimate1, se1, estimate2, se2)
    undefined = ~(e2 > 0)
    z = normal_critical(confidence)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        lift = e1 / e2 - 1
        se = np.sqrt(s1 * s1 / (e2 * e2) + e1 * e1 * s2 * s2 / e2**4)
        low, high = lift - z * se, lift + z * se
    no_variation = undefined | ~(se > 0)
    return (
        unwrap(nan_where(undefined, lift)),
        unwrap(nan_where(no_variation, low)),
        unwrap(nan_where(no_variation, high)),
    )

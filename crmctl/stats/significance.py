"""Tests that two groups differ: proportions, NPS, means, and any two independent estimates.

Group 1 is the variant, group 2 the reference: every statistic is "1 minus 2". All tests are
two-sided. nan (never 0, never an exception) where there is nothing to test: an empty group,
n < 2 for a mean, or no variation in either group.
"""

from __future__ import annotations

from crmctl.stats._core import floats, nan_where, two_sided_normal_p, unwrap
from crmctl.stats.intervals import nps_standard_error


def difference_ztest(estimate1, se1, estimate2, se2):
    """z = (e₁ − e₂) / √(se₁² + se₂²) for two independent, approximately normal estimates, with
    its two-sided p-value. The building block of the NPS and ratio-metric tests (Wald test)."""
    import numpy as np

    e1, s1, e2, s2 = floats(estimate1, se1, estimate2, se2)
    se = np.sqrt(s1 * s1 + s2 * s2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = nan_where(~(se > 0), (e1 - e2) / se)
    return unwrap(z), unwrap(two_sided_normal_p(z))


def two_proportion_ztest(x1, n1, x2, n2):
    """Two-sample z-test for proportions with the pooled variance under H₀: p₁ = p₂.

    z = (p̂₁ − p̂₂) / √(p̄(1 − p̄)(1/n₁ + 1/n₂)), p̄ = (x₁ + x₂)/(n₁ + n₂) (e.g. Fleiss, Levin & Paik
    2003, "Statistical Methods for Rates and Proportions", §2.4, without continuity correction).
    Same numbers as statsmodels `proportions_ztest([x1, x2], [n1, n2])`. Returns (z, p_value);
    nan when a group is empty or counts are impossible, and when both groups are all successes
    or all failures (pooled variance 0).
    """
    import numpy as np

    x1, n1, x2, n2 = floats(x1, n1, x2, n2)
    invalid = ~((n1 > 0) & (n2 > 0) & (x1 >= 0) & (x2 >= 0) & (x1 <= n1) & (x2 <= n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = nan_where(invalid | ~(se > 0), (x1 / n1 - x2 / n2) / se)
    return unwrap(z), unwrap(two_sided_normal_p(z))


def nps_difference_ztest(prom1, det1, n1, prom2, det2, n2):
    """Unpooled z-test on the difference of two NPS values, each with its trinomial variance
    (see `intervals.nps_standard_error`). Returns (z, p_value); nan when either group is empty or
    neither group varies."""
    import numpy as np

    p1, d1, n1, p2, d2, n2 = floats(prom1, det1, n1, prom2, det2, n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        nps1, nps2 = 100 * (p1 - d1) / n1, 100 * (p2 - d2) / n2
    return difference_ztest(nps1, nps_standard_error(p1, d1, n1), nps2, nps_standard_error(p2, d2, n2))


def welch_degrees_of_freedom(sd1, n1, sd2, n2):
    """Welch–Satterthwaite degrees of freedom (Welch 1947, Biometrika 34; Satterthwaite 1946)."""
    import numpy as np

    s1, n1, s2, n2 = floats(sd1, n1, sd2, n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        v1, v2 = s1 * s1 / n1, s2 * s2 / n2
        df = (v1 + v2) ** 2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
    return unwrap(nan_where(~((n1 >= 2) & (n2 >= 2) & (v1 + v2 > 0)), df))


def welch_ttest(mean1, sd1, n1, mean2, sd2, n2):
    """Welch's unequal-variances t-test from summary statistics (sd with ddof = 1).

    t = (m₁ − m₂) / √(s₁²/n₁ + s₂²/n₂) with Welch–Satterthwaite df (Welch 1947). Same numbers as
    scipy `ttest_ind(a, b, equal_var=False)` on the raw samples. Returns (t, df, p_value); nan when
    a group has n < 2 or neither group varies.
    """
    import numpy as np
    from scipy.stats import t as student

    m1, s1, n1, m2, s2, n2 = floats(mean1, sd1, n1, mean2, sd2, n2)
    df = np.asarray(welch_degrees_of_freedom(s1, n1, s2, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        t = nan_where(np.isnan(df), (m1 - m2) / np.sqrt(s1 * s1 / n1 + s2 * s2 / n2))
        p = 2 * student.sf(np.abs(t), np.where(np.isnan(df), 1.0, df))
    return unwrap(t), unwrap(df), unwrap(nan_where(np.isnan(t), p))

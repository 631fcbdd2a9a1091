"""Ratio metrics whose unit is not the unit of randomisation: the delta method.

When customers are randomised but the metric is per order (average_order_value = revenue ÷ orders)
or per ticket (avg_resolution_time, first_contact_resolution), the orders of one customer are not
independent, so the textbook per-order standard error is too small. Treat the metric as
R = Σx / Σy = x̄ / ȳ over customers (x: the customer's numerator, y: their denominator) and use
the first-order Taylor (delta-method) variance:

    Var(R) ≈ (1/ȳ²) · (s_x² − 2R·s_xy + R²·s_y²) / n

Deng, Knoblich & Lu (2018), "Applying the delta method in metric analytics: a practical guide
with novel ideas", KDD; Kohavi, Tang & Xu (2020), "Trustworthy Online Controlled Experiments",
ch. 18. Sample moments use ddof = 1.
"""

from __future__ import annotations

from crmctl.stats._core import floats, nan_where, normal_critical, unwrap


def ratio_variance(mean_x, mean_y, var_x, var_y, cov_xy, n):
    """Delta-method variance of R = x̄/ȳ from per-unit moments over n units (vectorised, so a
    Polars caller can aggregate n, means, variances and covariance per group and pass columns).
    nan when n < 2 or ȳ = 0."""
    import numpy as np

    mx, my, vx, vy, cxy, n = floats(mean_x, mean_y, var_x, var_y, cov_xy, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = mx / my
        variance = np.maximum((vx - 2 * r * cxy + r * r * vy) / (n * my * my), 0.0)
    return unwrap(nan_where(~((n >= 2) & (my != 0)), variance))


def delta_method_ratio(numerator, denominator):
    """(R, Var(R)) for R = Σnumerator / Σdenominator from per-unit (e.g. per-customer) values.

    `numerator[i]` and `denominator[i]` belong to the same unit (customer i's revenue and order
    count). Units with a nan in either are dropped. (nan, nan) with no units; the variance is nan
    with one unit or when the denominators sum to 0.
    """
    import numpy as np

    x = np.asarray(numerator, dtype=np.float64).ravel()
    y = np.asarray(denominator, dtype=np.float64).ravel()
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    n = x.size
    if n == 0 or y.sum() == 0:
        return float("nan"), float("nan")
    if n == 1:
        return float(x[0] / y[0]), float("nan")
    cov = np.cov(x, y, ddof=1)
    variance = ratio_variance(x.mean(), y.mean(), cov[0, 0], cov[1, 1], cov[0, 1], n)
    return float(x.sum() / y.sum()), float(variance)


def ratio_interval(numerator, denominator, confidence: float = 0.95):
    """Normal interval R ± z·√Var(R) for one group's ratio metric (see `delta_method_ratio`);
    nan when the variance is unknown or 0."""
    import numpy as np

    ratio, variance = delta_method_ratio(numerator, denominator)
    if not variance > 0:
        return float("nan"), float("nan")
    half = normal_critical(confidence) * float(np.sqrt(variance))
    return ratio - half, ratio + half


def ratio_ztest(numerator1, denominator1, numerator2, denominator2):
    """z-test of R₁ = R₂ for two groups of units (variant 1, reference 2), each ratio with its
    delta-method variance: z = (R₁ − R₂)/√(Var R₁ + Var R₂). Returns (z, p_value), nan when
    either variance is unknown or both are 0."""
    import numpy as np

    from crmctl.stats.significance import difference_ztest

    r1, v1 = delta_method_ratio(numerator1, denominator1)
    r2, v2 = delta_method_ratio(numerator2, denominator2)
    return difference_ztest(r1, np.sqrt(v1), r2, np.sqrt(v2))


def ratio_difference_interval(numerator1, denominator1, numerator2, denominator2, confidence: float = 0.95):
    """Interval for R₁ − R₂ matching `ratio_ztest`: (R₁ − R₂) ± z·√(Var R₁ + Var R₂)."""
    import numpy as np

    from crmctl.stats.lift import difference_interval

    r1, v1 = delta_method_ratio(numerator1, denominator1)
    r2, v2 = delta_method_ratio(numerator2, denominator2)
    return difference_interval(r1, np.sqrt(v1), r2, np.sqrt(v2), confidence)

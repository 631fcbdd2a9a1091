"""Sizing a test: customers per group needed to detect an absolute change of a rate or a mean."""

from __future__ import annotations

import math

from crmctl import stats
from crmctl.compare.measures import BY_NAME
from crmctl.errors import UsageError

PLANNABLE = ("proportion", "mean")  # estimator kinds with a sample-size formula


def plan_sample_size(metric: str, baseline: float | None, mde: float, alpha: float = 0.05, power: float = 0.8,
                     sd: float | None = None) -> dict:
    """Units per group to detect baseline → baseline + mde (mde absolute: 0.01 = one percentage point of a
    rate, 5.0 = five currency units of a mean). Rates: the pooled two-proportion z-test
    (`stats.sample_size_proportions`). Means: a two-sample test with the per-customer standard deviation
    `sd` (`stats.sample_size_means`); the baseline is then only reported, the size depends on sd and mde."""
    measure = BY_NAME.get(metric)
    if measure is None or measure.kind not in PLANNABLE:
        names = ", ".join(m.name for m in BY_NAME.values() if m.kind in PLANNABLE)
        raise UsageError(f"--plan sizes rates and means: --metric one of {names} (got {metric!r})")
    if measure.kind == "mean":
        return _plan_mean(metric, baseline, mde, alpha, power, sd)
    if baseline is None:
        raise UsageError(f"--plan --metric {metric} needs --baseline, the control's expected rate, e.g. 0.05")
    n = stats.sample_size_proportions(baseline, mde, alpha=alpha, power=power)
    if math.isnan(n):
        raise UsageError(f"--baseline {baseline} with --mde {mde} describes no test: the baseline must be "
                         "between 0 and 1, the MDE non-zero and baseline + MDE within 0…1")
    return {"metric": metric, "baseline": baseline, "mde": mde, "target": round(baseline + mde, 12), "alpha": alpha,
            "power": power, "per_group": int(n), "total_two_groups": 2 * int(n), "test": "two-proportion z"}


def _plan_mean(metric: str, baseline: float | None, mde: float, alpha: float, power: float, sd: float | None) -> dict:
    if sd is None:
        raise UsageError(f"--plan --metric {metric} needs --sd, the standard deviation of {metric} across "
                         "customers (a past period's is the usual guess), e.g. --sd 80")
    n = stats.sample_size_means(sd, mde, alpha=alpha, power=power)
    if math.isnan(n):
        raise UsageError(f"--sd {sd} with --mde {mde} describes no test: the sd must be positive and the MDE non-zero")
    target = None if baseline is None else round(baseline + mde, 12)
    return {"metric": metric, "baseline": baseline, "mde": mde, "target": target, "sd": sd, "alpha": alpha,
            "power": power, "per_group": int(n), "total_two_groups": 2 * int(n),
            "test": "two-sample t (normal approx.)"}

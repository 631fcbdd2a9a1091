"""Sizing a test: customers per group needed to detect an absolute change of a rate metric."""

from __future__ import annotations

import math

from crmctl import stats
from crmctl.compare.measures import BY_NAME
from crmctl.errors import UsageError


def plan_sample_size(metric: str, baseline: float, mde: float, alpha: float = 0.05, power: float = 0.8) -> dict:
    """Units per group for the two-proportion z-test to detect baseline → baseline + mde (mde absolute,
    e.g. 0.01 = one percentage point), with `stats.sample_size_proportions`."""
    measure = BY_NAME.get(metric)
    if measure is None or measure.kind != "proportion":
        rates = ", ".join(m.name for m in BY_NAME.values() if m.kind == "proportion")
        raise UsageError(f"--plan sizes rate metrics: --metric one of {rates} (got {metric!r})")
    n = stats.sample_size_proportions(baseline, mde, alpha=alpha, power=power)
    if math.isnan(n):
        raise UsageError(f"--baseline {baseline} with --mde {mde} describes no test: the baseline must be "
                         "between 0 and 1, the MDE non-zero and baseline + MDE within 0…1")
    return {"metric": metric, "baseline": baseline, "mde": mde, "target": round(baseline + mde, 12), "alpha": alpha,
            "power": power, "per_group": int(n), "total_two_groups": 2 * int(n), "test": "two-proportion z"}

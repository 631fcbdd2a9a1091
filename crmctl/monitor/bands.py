"""What a period's value could plausibly be, given the periods before it: two methods, pure numpy.

- `sampled_range`, for values estimated from observations (rates, NPS, means): the past periods'
  random-effects mean, and a prediction interval that adds this period's own sampling noise (from its
  n), the real period-to-period variation (DerSimonian–Laird τ²) and the mean's own uncertainty.
- `robust_band`, for totals (counts, money) and everything without a sampling model: the median (or,
  with enough history, a Theil–Sen trend line) of the past periods, after seasonal factors when each
  season was seen twice, ± a t quantile × 1.4826·MAD of the residuals; a count is never allowed less
  spread than a Poisson count of its size.

docs/monitoring.md gives the formulas and the false-alarm and detection rates measured on
generated series.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

TREND_FROM = 8  # past periods needed before a trend line replaces the median
MAD_TO_SD = 1.4826  # MAD × this estimates σ of a normal sample
MAD_EFFICIENCY = 0.37  # the MAD's asymptotic efficiency against the standard deviation (Rousseeuw & Croux 1993)


@dataclass(frozen=True)
class Band:
    expected: float
    low: float
    high: float
    basis: str  # how the range was made, in words, for the flag's reason


def sampled_range(past, past_se, own_se: float, confidence: float) -> Band:
    """`past`/`past_se`: earlier values and their standard errors; `own_se`: the standard error of this
    period's value under "nothing changed" (a rate's binomial se at the expected rate and this n)."""
    import numpy as np

    from crmctl.stats import between_variance, pooled_mean

    tau2 = between_variance(past, past_se)
    tau2 = 0.0 if np.isnan(tau2) else tau2
    mu, se_mu = pooled_mean(past, past_se, tau2)
    sd = float(np.sqrt(own_se**2 + tau2 + se_mu**2))
    z = _normal_critical(confidence)
    basis = "sampling noise at this n" + (" and the periods' own variation" if tau2 > 0 else "")
    return Band(mu, mu - z * sd, mu + z * sd, basis)


@functools.lru_cache(maxsize=8)
def _normal_critical(confidence: float) -> float:
    from crmctl.stats._core import normal_critical

    return normal_critical(confidence)


def rate_range(past_successes, past_trials, past_se, trials: float, confidence: float, scale: float = 1.0) -> Band:
    """A rate's plausible range at this period's `trials`: successes follow a beta-binomial whose Beta
    has the past's pooled rate (x + ½)/(n + 1) as mean and, as variance, the periods' own variation
    (τ², from the past rates and their standard errors `past_se`, on the 0–1 scale) plus the pooled
    rate's uncertainty. Its quantiles, not a normal approximation, so 1 churned of 6 after months of
    none is judged by the exact odds. Bounds in the metric's scale (×100 for a percentage)."""
    import numpy as np
    from scipy.stats import betabinom

    from crmctl.stats import between_variance

    x, n = float(np.sum(past_successes)), float(np.sum(past_trials))
    p = (x + 0.5) / (n + 1)
    rates = np.asarray(past_successes, float) / np.asarray(past_trials, float)
    tau2 = between_variance(rates, np.asarray(past_se, float) / scale)
    tau2 = 0.0 if np.isnan(tau2) else tau2
    variance = tau2 + p * (1 - p) / (n + 1)
    strength = p * (1 - p) / variance - 1
    tail = (1 - confidence) / 2
    low, high = betabinom.ppf([tail, 1 - tail], int(trials), p * strength, (1 - p) * strength)
    basis = "the past's pooled rate, binomial noise at this n" + (" and the periods' own variation" if tau2 > 0 else "")
    return Band(p * scale, low / trials * scale, high / trials * scale, basis)


def _trend(y, x) -> tuple[float, float, str]:
    """(slope, intercept, "trend") of a Theil–Sen line when there are TREND_FROM points and its 95%
    slope interval excludes 0; else (0, median, "median"): noise must not be read as a trend."""
    import numpy as np
    from scipy.stats import theilslopes

    if len(y) >= TREND_FROM:
        fit = theilslopes(y, x, alpha=0.95)
        if fit.low_slope > 0 or fit.high_slope < 0:
            return float(fit.slope), float(fit.intercept), "trend"
    return 0.0, float(np.median(y)), "median"


def seasonal_factors(values, seasons) -> dict | None:
    """season → median(values in season) ÷ median(values): only when every season holds ≥ 2 values
    and every median is positive; None otherwise (no seasonal adjustment)."""
    import numpy as np

    values, seasons = np.asarray(values, float), np.asarray(seasons)
    keys = np.unique(seasons)
    overall = np.median(values)
    if len(keys) < 2 or overall <= 0 or any((seasons == k).sum() < 2 for k in keys):
        return None
    factors = {k: float(np.median(values[seasons == k]) / overall) for k in keys}
    # A season whose median is 0 (no tickets on most Sundays) cannot scale: no adjustment then.
    return factors if min(factors.values()) > 0 else None


def robust_band(past, positions, position: float, confidence: float, *, count: bool = False,
                seasons=None, season=None) -> Band:
    """`past` at `positions` (period indexes), judged at `position`; `seasons`/`season`: the season of
    each past value and of this period (weekday, month), or None."""
    import numpy as np

    from crmctl.stats._core import t_critical

    y, x = np.asarray(past, float), np.asarray(positions, float)
    factors = seasonal_factors(y, seasons) if seasons is not None else None
    if factors is not None and season not in factors:
        factors = None
    if factors is not None:
        y = y / np.array([factors[s] for s in seasons])
    slope, intercept, shape = _trend(y, x)
    fitted, centre = intercept + slope * x, intercept + slope * position
    spread = MAD_TO_SD * float(np.median(np.abs(y - fitted - np.median(y - fitted))))
    factor = factors[season] if factors is not None else 1.0
    expected = centre * factor
    poisson = float(np.sqrt(max(expected, 1.0))) / factor if count else 0.0
    # A prediction interval: the new value's noise plus the fitted centre's (OLS' leverage formula),
    # with the MAD's low efficiency (37% of the standard deviation's) as fewer degrees of freedom;
    # a count whose Poisson spread is the larger has a known spread: the normal quantile.
    leverage = 1 / len(y) + ((position - x.mean()) ** 2 / np.sum((x - x.mean()) ** 2) if shape == "trend" else 0.0)
    degrees = max(1.0, MAD_EFFICIENCY * (len(y) - (2 if shape == "trend" else 1)))
    critical = _normal_critical(confidence) if poisson >= spread else float(t_critical(confidence, degrees))
    half = critical * max(spread, poisson) * np.sqrt(1 + leverage) * factor
    basis = ("median" if shape == "median" else "trend line") + " of the past periods ± their robust spread (MAD)" + (
        ", seasonally adjusted" if factors is not None else "")
    return Band(expected, expected - half, expected + half, basis)

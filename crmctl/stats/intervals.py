"""Confidence intervals for one group: a proportion, an NPS, a mean, a quantile.

Every function is vectorised (arrays in, arrays out; scalars in, floats out) and returns nan where
the method has nothing honest to say (no observations, one observation, no variation), never 0.
"""

from __future__ import annotations

from crmctl.stats._core import check_probability, floats, nan_where, normal_critical, t_critical, unwrap


def wilson_interval(successes, n, confidence: float = 0.95):
    """Wilson score interval for a binomial proportion: (low, high) within [0, 1].

    Wilson, E. B. (1927), "Probable inference, the law of succession, and statistical inference",
    JASA 22; recommended over the Wald interval by Agresti & Coull (1998) and Brown, Cai &
    DasGupta (2001). Same numbers as statsmodels `proportion_confint(method="wilson")`.
    Defined for 0 ≤ successes ≤ n, n > 0 (also when all or none succeed); nan otherwise.
    """
    import numpy as np

    x, n = floats(successes, n)
    z = normal_critical(confidence)
    invalid = ~((n > 0) & (x >= 0) & (x <= n))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        shrink = 1 + z * z / n
        center = (p + z * z / (2 * n)) / shrink
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / shrink
    # The score interval always contains p̂; without min/max rounding leaves 0 successes a lower
    # bound of 5e-17 instead of 0.
    low = np.clip(np.minimum(center - half, p), 0.0, 1.0)
    high = np.clip(np.maximum(center + half, p), 0.0, 1.0)
    return unwrap(nan_where(invalid, low)), unwrap(nan_where(invalid, high))


def proportion_standard_error(successes, n):
    """√(p̂(1 − p̂)/n), the standard error of a sample proportion; nan for n ≤ 0 or impossible counts."""
    import numpy as np

    x, n = floats(successes, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        return unwrap(nan_where(~((n > 0) & (x >= 0) & (x <= n)), np.sqrt(p * (1 - p) / n)))


def nps_standard_error(promoters, detractors, n):
    """Standard error of an NPS on the −100…100 scale, from the trinomial variance.

    With p⁺ and p⁻ the promoter and detractor shares and d = p⁺ − p⁻ (−1…1), the variance of d is
    (p⁺ + p⁻ − d²) / n (each response scores +1, 0 or −1). nan when n ≤ 0 or counts are impossible;
    0 when every response falls in one category (callers treat that as "no variation").
    """
    import numpy as np

    prom, det, n = floats(promoters, detractors, n)
    invalid = ~((n > 0) & (prom >= 0) & (det >= 0) & (prom + det <= n))
    with np.errstate(invalid="ignore", divide="ignore"):
        p_prom, p_det = prom / n, det / n
        variance = np.maximum((p_prom + p_det - (p_prom - p_det) ** 2) / n, 0.0)
        return unwrap(nan_where(invalid, 100 * np.sqrt(variance)))


def nps_interval(promoters, detractors, n, confidence: float = 0.95):
    """Normal-approximation (Wald) interval for an NPS on the −100…100 scale, clipped to it.

    Uses the trinomial variance (see `nps_standard_error`); see e.g. Rocks (2016), "Interval
    estimation for the net promoter score", The American Statistician 70(4). nan for n = 0 and
    when every response is in one category (n = 1 included): a zero-width interval would claim a
    certainty the normal approximation cannot give.
    """
    import numpy as np

    prom, det, n = floats(promoters, detractors, n)
    se = np.asarray(nps_standard_error(prom, det, n))
    z = normal_critical(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        nps = 100 * (prom - det) / n
    no_variation = ~(se > 0)
    low = nan_where(no_variation, np.clip(nps - z * se, -100.0, 100.0))
    high = nan_where(no_variation, np.clip(nps + z * se, -100.0, 100.0))
    return unwrap(low), unwrap(high)


def mean_standard_error(sd, n):
    """sd / √n; nan for n < 2 or a negative sd."""
    import numpy as np

    sd, n = floats(sd, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return unwrap(nan_where(~((n >= 2) & (sd >= 0)), sd / np.sqrt(n)))


def mean_interval(mean, sd, n, confidence: float = 0.95):
    """Student t interval for a mean from summary statistics: mean ± t(n−1) · sd/√n.

    Student (1908), "The probable error of a mean", Biometrika 6; `sd` is the sample standard
    deviation (ddof = 1). Same numbers as scipy `stats.t.interval(confidence, n-1, mean, sem)`.
    nan for n < 2 and for sd = 0 (no variation: the sample cannot say how far the mean may be off).
    """
    import numpy as np

    mean, sd, n = floats(mean, sd, n)
    se = np.asarray(mean_standard_error(sd, n))
    half = t_critical(confidence, n - 1) * se
    no_variation = ~(se > 0)
    return unwrap(nan_where(no_variation, mean - half)), unwrap(nan_where(no_variation, mean + half))


def quantile_rank_bounds(n, q, confidence: float = 0.95):
    """1-based ranks (lo, hi) of the order statistics X₍lo₎ ≤ X₍hi₎ that bracket the q-quantile.

    Distribution-free (any continuous distribution): the number of observations below the true
    q-quantile is Binomial(n, q), so P(X₍lo₎ ≤ ξ_q ≤ X₍hi₎) = F(hi − 1) − F(lo − 1) with F its cdf.
    Equal tails: lo − 1 is the largest j with F(j) ≤ α/2 and hi − 1 the smallest j with
    F(j) ≥ 1 − α/2, so coverage is at least `confidence` (Conover 1999, "Practical Nonparametric
    Statistics", §3.2; Hahn & Meeker 1991). Ranks are whole numbers held in floats; nan when n is
    too small for that confidence (e.g. n < 6 for a 95% median interval, n < 36 for p90).
    A Polars caller sorts each group and picks the values at these ranks.
    """
    import numpy as np
    from scipy.stats import binom

    check_probability(confidence, "confidence")
    n, q = floats(n, q)
    tail = (1 - confidence) / 2
    usable = (n >= 1) & (n == np.floor(n)) & (q > 0) & (q < 1)
    n_safe, q_safe = np.where(usable, n, 1.0), np.where(usable, q, 0.5)
    below = binom.ppf(tail, n_safe, q_safe)  # smallest j with F(j) ≥ α/2
    lo = np.where(binom.cdf(below, n_safe, q_safe) <= tail, below + 1, below)
    hi = binom.ppf(1 - tail, n_safe, q_safe) + 1
    unattainable = ~usable | (lo < 1) | (hi > n)
    return unwrap(nan_where(unattainable, lo)), unwrap(nan_where(unattainable, hi))


def quantile_interval(values, q: float, confidence: float = 0.95):
    """Distribution-free interval (low, high) for the q-quantile of one sample (see
    `quantile_rank_bounds`): the order statistics at those ranks. nan values are dropped first;
    (nan, nan) when the sample is too small for that confidence.
    """
    import numpy as np

    data = np.asarray(values, dtype=np.float64).ravel()
    data = np.sort(data[~np.isnan(data)])
    lo, hi = quantile_rank_bounds(data.size, q, confidence)
    if np.isnan(lo):
        return float("nan"), float("nan")
    return float(data[int(lo) - 1]), float(data[int(hi) - 1])

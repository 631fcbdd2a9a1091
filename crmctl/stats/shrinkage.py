"""Pooling groups: how much of the spread between groups is real, and estimates shrunk toward the mean.

Used by anomalies (is this period unlike the periods before it, beyond sampling noise?) and by
scorecards (rank owners without one lucky week on top). Each function is one textbook method.
"""

from __future__ import annotations

from crmctl.stats._core import floats, normal_critical


def between_variance(estimates, standard_errors) -> float:
    """τ², the variance of the groups' true values beyond their sampling noise, by the method of moments
    of DerSimonian & Laird (1986), "Meta-analysis in clinical trials", Controlled Clinical Trials 7:

        w = 1/se²,  ȳ = Σwy/Σw,  Q = Σw(y − ȳ)²,  τ² = max(0, (Q − (k − 1)) / (Σw − Σw²/Σw)).

    Groups with a missing or zero standard error are left out; nan with fewer than two left."""
    import numpy as np

    y, se = floats(estimates, standard_errors)
    keep = np.isfinite(y) & np.isfinite(se) & (se > 0)
    y, w = y[keep], 1.0 / se[keep] ** 2
    if len(y) < 2:
        return float("nan")
    mean = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - mean) ** 2)
    scale = np.sum(w) - np.sum(w * w) / np.sum(w)
    return float(max(0.0, (q - (len(y) - 1)) / scale))


def pooled_mean(estimates, standard_errors, tau2: float) -> tuple[float, float]:
    """(μ, se(μ)): the random-effects mean, weights 1/(se² + τ²), and its standard error."""
    import numpy as np

    y, se = floats(estimates, standard_errors)
    keep = np.isfinite(y) & np.isfinite(se)
    w = 1.0 / (se[keep] ** 2 + tau2)
    if not keep.any() or not np.all(np.isfinite(w)):
        return float("nan"), float("nan")
    return float(np.sum(w * y[keep]) / np.sum(w)), float(np.sqrt(1.0 / np.sum(w)))


def normal_shrinkage(estimates, standard_errors, confidence: float = 0.95):
    """Empirical Bayes for means (normal–normal; Efron & Morris 1975, JASA 70): each group's mean pulled
    toward the pooled mean μ by B = se²/(se² + τ²), with τ² from `between_variance`:

        shrunk = μ + (1 − B)(y − μ),  interval shrunk ± z·sd.

    The posterior variance also carries μ's own uncertainty (Morris 1983, JASA 78): (1 − B)·se² + B²·se(μ)²,
    so that when τ² = 0 (every group the same) each interval is μ's.
    Returns (shrunk, low, high, μ) as arrays; a group without a value gets nan."""
    import numpy as np

    y, se = floats(estimates, standard_errors)
    tau2 = between_variance(y, se)
    tau2 = 0.0 if np.isnan(tau2) else tau2
    # se 0: measured without noise (every observation alike), the group keeps its value; se unknown
    # (nan: one observation): nothing to go on, the group gets the pooled mean.
    known = np.isfinite(se) & np.isfinite(y)
    noisy = known & (se > 0)
    mu, se_mu = pooled_mean(y[noisy], se[noisy], tau2) if noisy.any() else (float(np.mean(y[np.isfinite(y)])), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        keep = 1.0 - se**2 / (se**2 + tau2) if tau2 > 0 else np.zeros_like(y)
        keep = np.where(known, np.where(noisy, keep, 1.0), 0.0)
        shrunk = np.where(keep > 0, mu + keep * (y - mu), mu)
        sd = np.sqrt(np.where(known, keep * se**2, 0.0) + (1 - keep) ** 2 * se_mu**2)
    z = normal_critical(confidence)
    bad = ~np.isfinite(y)
    shrunk, sd = np.where(bad, np.nan, shrunk), np.where(bad, np.nan, sd)
    return shrunk, shrunk - z * sd, shrunk + z * sd, mu


def beta_binomial_prior(successes, trials) -> tuple[float, float]:
    """(α, β) of the Beta prior that groups' rates are drawn from, by the method of moments of the
    beta-binomial (Kleinman 1973, Biometrics 29): p̄ = Σx/Σn; the observed spread of x/n around p̄,
    weighted by n, minus the binomial part p̄(1 − p̄)·mean(1/n), is the prior's variance v, and
    α + β = p̄(1 − p̄)/v − 1. When the groups vary no more than sampling noise (v ≤ 0) the prior is
    as strong as all the data together (α + β = Σn): everyone is pulled nearly all the way to p̄."""
    import numpy as np

    x, n = floats(successes, trials)
    keep = n > 0
    x, n = x[keep], n[keep]
    if not len(n) or n.sum() == 0:
        return float("nan"), float("nan")
    p = x.sum() / n.sum()
    if p in (0.0, 1.0) or len(n) < 2:
        strength = float(n.sum())
    else:
        spread = np.sum(n * (x / n - p) ** 2) / n.sum() * len(n) / (len(n) - 1)
        v = spread - p * (1 - p) * np.mean(1.0 / n)
        strength = float(n.sum()) if v <= 0 else min(float(n.sum()), max(p * (1 - p) / v - 1, 1e-9))
    return p * strength, (1 - p) * strength


def beta_binomial_shrinkage(successes, trials, confidence: float = 0.95):
    """Each group's rate as the posterior mean (x + α)/(n + α + β) under `beta_binomial_prior`, with
    the equal-tailed interval of its Beta(x + α, n − x + β) posterior. Returns (shrunk, low, high, p̄)."""
    import numpy as np
    from scipy.stats import beta

    x, n = floats(successes, trials)
    a, b = beta_binomial_prior(x, n)
    if np.isnan(a):
        nan = np.full_like(x, np.nan)
        return nan, nan, nan, float("nan")
    post_a, post_b = x + a, n - x + b
    tail = (1 - confidence) / 2
    with np.errstate(invalid="ignore"):
        shrunk = post_a / (post_a + post_b)
        low, high = beta.ppf(tail, post_a, post_b), beta.ppf(1 - tail, post_a, post_b)
    bad = ~(n > 0)
    return (np.where(bad, np.nan, shrunk), np.where(bad, np.nan, low), np.where(bad, np.nan, high),
            a / (a + b))

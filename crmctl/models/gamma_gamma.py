"""Gamma-Gamma spend: Fader, Hardie & Lee (2005), "RFM and CLV: Using iso-value curves".

Each of a customer's transaction values is Gamma(p, ν) with ν ~ Gamma(q, γ) across customers
(γ is `v` here, as in the paper's code and lifetimes). A customer is summarised by x (number
of repeat transactions) and z̄ (their mean value). The model assumes spend is independent of
purchase frequency: check :func:`frequency_value_correlation` before trusting it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from crmctl.models import MIN_REPEAT_CUSTOMERS, ModelError
from crmctl.models.inputs import as_vector, as_weights, count_where, distinct_rows, refuse, same_length
from crmctl.models.likelihoods import GammaGammaLikelihood
from crmctl.models.optimise import maximise_likelihood


@dataclass(frozen=True)
class GammaGammaFit:
    p: float
    q: float
    v: float  # the paper's γ: scale of the spend-rate distribution, in money units
    log_likelihood: float
    n_customers: int  # repeat customers the fit used (sum of their weights)
    converged: bool

    @property
    def population_mean_value(self) -> float | None:
        """E[Z] = pγ/(q-1): the mean transaction value across customers; None when q ≤ 1 (infinite)."""
        return self.p * self.v / (self.q - 1) if self.q > 1 else None


def log_likelihood(p: float, q: float, v: float, frequency, mean_value) -> np.ndarray:
    """Each customer's log density of their mean value z̄ given x = frequency ≥ 1.

    f(z̄ | x) = Γ(px+q) / (Γ(px) Γ(q)) · v^q (x z̄)^(px-1) x / (v + x z̄)^(px+q)
    """
    x, m = frequency, mean_value
    return (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(v)
            + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(x * m + v))


def fit_gamma_gamma(frequency, mean_value, weights=None, *, require_convergence: bool = True) -> GammaGammaFit:
    """Maximum-likelihood p, q, v on repeat customers (frequency > 0 and mean_value > 0).

    Other customers are left out, as the model describes repeat spend; ModelError when fewer
    than 30 remain, or (unless `require_convergence=False`) when the optimiser does not converge.
    """
    x, m = as_vector("frequency", frequency), as_vector("mean_value", mean_value)
    w = as_weights(weights, same_length(frequency=x, mean_value=m))
    refuse("frequency", (x < 0) | (x != np.round(x)), "frequency is a whole number ≥ 0")
    usable = (x > 0) & (m > 0)
    used = count_where(usable, w)
    if used < MIN_REPEAT_CUSTOMERS:
        raise ModelError(
            f"{used} repeat customers with a positive mean order value (of {count_where(w > 0, w)}); "
            f"Gamma-Gamma needs at least {MIN_REPEAT_CUSTOMERS} customers who bought more than once"
        )
    # Customers sharing (x, z̄) share a likelihood term: computed once, weighted by their count.
    x, m, w = distinct_rows(x[usable], m[usable], weights=w[usable])
    likelihood = GammaGammaLikelihood(x, m, w)
    n = likelihood.n
    optimum = maximise_likelihood(likelihood, _moment_start(x, m, w), ("p", "q", "v"))
    if require_convergence and not optimum.converged:
        raise ModelError(f"Gamma-Gamma fit did not converge: {optimum.message}")
    p, q, v = (float(value) for value in optimum.params)
    return GammaGammaFit(p, q, v, optimum.mean_log_likelihood * n, int(round(n)), optimum.converged)


def _moment_start(x, m, w) -> np.ndarray:
    """p, q, v from the moments of z̄, falling back to (1, 1, mean z̄) when they do not identify them.

    Given ν, z̄ has mean p/ν and variance p/(xν²); across customers E[z̄] = μ = pv/(q-1) and
    Var(z̄ | x) = c₀ + c₁/x with c₀ = μ²/(q-2) and c₁ = μ²(q-1)/(p(q-2)) (needs q > 2). A weighted
    least-squares line of the per-x variance on 1/x gives c₀ and c₁, hence q, p and v.
    """
    mu = float(np.dot(w, m) / w.sum())
    fallback = np.array([1.0, 1.0, max(mu, 1e-6)])
    values = np.unique(x)
    if len(values) < 2:
        return fallback
    index = np.searchsorted(values, x)
    weight = np.bincount(index, weights=w)
    mean = np.bincount(index, weights=w * m) / weight
    variance = np.bincount(index, weights=w * (m - mean[index]) ** 2) / weight
    design = np.column_stack([np.ones(len(values)), 1.0 / values]) * np.sqrt(weight)[:, None]
    (c0, c1), *_ = np.linalg.lstsq(design, variance * np.sqrt(weight), rcond=None)
    if not (c0 > 0 and c1 > 0 and mu > 0):
        return fallback
    q = 2.0 + mu * mu / c0
    p = mu * mu * (q - 1) / (c1 * (q - 2))
    return np.array([p, q, mu * (q - 1) / p])


def conditional_expected_value(fit: GammaGammaFit, frequency, mean_value) -> np.ndarray:
    """E[Z | x, z̄] = (v + x z̄) p / (px + q - 1): a weighted mean of the population mean and z̄.

    For x = 0 this is the population mean pv/(q-1) whatever mean_value says; NaN where the
    expectation does not exist (px + q ≤ 1, i.e. q ≤ 1 and no repeat purchases).
    """
    x, m = as_vector("frequency", frequency), as_vector("mean_value", mean_value)
    same_length(frequency=x, mean_value=m)
    m = np.where(x > 0, m, 0.0)
    denominator = fit.p * x + fit.q - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, (fit.v + x * m) * fit.p / denominator, np.nan)


def frequency_value_correlation(frequency, mean_value) -> float | None:
    """Pearson correlation of frequency and mean value among repeat customers.

    The model assumes none; |ρ| above about 0.3 means its spend predictions are biased.
    None when fewer than 3 repeat customers or either column is constant.
    """
    x, m = as_vector("frequency", frequency), as_vector("mean_value", mean_value)
    same_length(frequency=x, mean_value=m)
    usable = (x > 0) & (m > 0)
    x, m = x[usable], m[usable]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(m) == 0:
        return None
    return float(np.corrcoef(x, m)[0, 1])

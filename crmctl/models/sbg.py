"""Shifted-beta-geometric retention: Fader & Hardie (2007), "How to project customer retention",
and DERL from Fader & Hardie (2010), "Customer-base valuation in a contractual setting".

In a contractual business each customer renews at the end of every period with their own
probability 1 - θ, θ ~ Beta(α, β) across customers. T, the period in which a customer churns,
is shifted-geometric, so the share surviving t periods is S(t) = B(α, β+t) / B(α, β).
A "period" is the contract period (month, year) of the cohort counts given to :func:`fit_sbg`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, hyp2f1

from crmctl.models import ModelError
from crmctl.models.inputs import as_vector
from crmctl.models.optimise import maximise


@dataclass(frozen=True)
class SbgFit:
    alpha: float
    beta: float
    log_likelihood: float
    n_customers: int  # the cohort size: survivors at period 0
    converged: bool = True


def log_likelihood(alpha: float, beta: float, survivors: np.ndarray) -> float:
    """LL = Σ_t (n_{t-1} - n_t) ln P(T = t) + n_last ln S(last), eq. (6) of the 2007 paper.

    P(T = t) = B(α+1, β+t-1) / B(α, β); S(t) = B(α, β+t) / B(α, β).
    """
    periods = np.arange(1, len(survivors))
    churned = survivors[:-1] - survivors[1:]
    log_p_churn = betaln(alpha + 1, beta + periods - 1) - betaln(alpha, beta)
    log_survive = betaln(alpha, beta + periods[-1]) - betaln(alpha, beta)
    return float(np.dot(churned, log_p_churn) + survivors[-1] * log_survive)


def fit_sbg(survivors, *, require_convergence: bool = True) -> SbgFit:
    """Maximum-likelihood α, β from one cohort's counts alive at periods 0, 1, …, n (size first).

    ModelError unless there are at least two periods after period 0 (two retention rates are
    needed to separate α from β) and the counts never rise.
    """
    n = as_vector("survivors", survivors)
    if len(n) < 3:
        raise ModelError(f"sBG needs the cohort size and at least 2 later periods' survivors, got {len(n)} counts")
    if n[0] <= 0 or (n < 0).any() or (np.diff(n) > 0).any():
        raise ModelError("survivors must start with the cohort size (> 0) and never increase: "
                         "count customers still active at each period end, not new ones")
    if n[-1] == n[0]:
        raise ModelError("no customer of this cohort has churned yet: sBG cannot estimate churn from that")
    def mean_ll(params: np.ndarray) -> float:
        return log_likelihood(*params, n) / n[0]

    optimum = maximise(mean_ll, np.array([1.0, 1.0]), ("alpha", "beta"), n[0])
    if require_convergence and not optimum.converged:
        raise ModelError(f"sBG fit did not converge: {optimum.message}")
    alpha, beta = (float(v) for v in optimum.params)
    return SbgFit(alpha, beta, optimum.mean_log_likelihood * float(n[0]), int(round(n[0])), optimum.converged)


def survival(fit: SbgFit, periods) -> np.ndarray:
    """S(t) = B(α, β+t) / B(α, β): the share of a new cohort still a customer after t periods."""
    t = np.asarray(periods, dtype=float)
    return np.exp(betaln(fit.alpha, fit.beta + t) - betaln(fit.alpha, fit.beta))


def retention_rate(fit: SbgFit, periods) -> np.ndarray:
    """r_t = S(t) / S(t-1) = (β+t-1) / (α+β+t-1): the share of survivors of t-1 who renew at t (t ≥ 1)."""
    t = np.asarray(periods, dtype=float)
    if (t < 1).any():
        raise ModelError("retention_rate is defined from period 1 on (period 1: the first renewal)")
    return (fit.beta + t - 1) / (fit.alpha + fit.beta + t - 1)


def discounted_expected_residual_lifetime(fit: SbgFit, discount_rate: float, periods_survived) -> np.ndarray:
    """DERL: expected future payments, in periods, of a customer who has renewed `periods_survived` times.

    The customer is valued just before their next renewal decision; that renewal's payment is
    undiscounted and each later one is discounted by 1/(1+d) per period (d: per-period rate):
    DERL = Σ_{k≥0} P(T > n+k | T > n-1) / (1+d)^k = (β+n-1)/(α+β+n-1) · 2F1(1, β+n; α+β+n; 1/(1+d))
    with n - 1 = periods_survived (eq. 6 of Fader & Hardie 2010). Multiply by the payment per period.
    """
    if not discount_rate > 0:
        raise ModelError(f"DERL needs a positive per-period discount rate, got {discount_rate}: "
                         "without discounting the expected lifetime is infinite when α ≤ 1")
    s = np.asarray(periods_survived, dtype=float)
    if (s < 0).any():
        raise ModelError("periods_survived counts renewals made so far and cannot be negative")
    # A cohort's customers share a few renewal counts, and hyp2f1 near z = 1 costs ~10 µs a value: each
    # distinct count is computed once (elementwise, so each value is the one a per-customer call gives).
    distinct, index = np.unique(s, return_inverse=True)
    a, b = fit.alpha, fit.beta
    values = (b + distinct) / (a + b + distinct) * hyp2f1(1.0, b + distinct + 1, a + b + distinct + 1,
                                                            1.0 / (1.0 + discount_rate))
    return values[index].reshape(s.shape)[()]  # [()]: a scalar for a scalar, as the ufuncs give

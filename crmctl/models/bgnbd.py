"""BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way".

A customer buys as a Poisson process with rate λ ~ Gamma(r, α) while alive, and after every
repeat purchase drops out for good with probability p ~ Beta(a, b). Per customer we see
x (repeat purchases), t_x (time of the last one, 0 when x = 0) and T (time since the first
purchase), all in one caller-named `time_unit`; α is in that unit too.

Pass DISTINCT (x, t_x, T) rows with their customer counts as `weights` (see :func:`compress`):
a million customers observed at day resolution collapse to a few thousand rows, and the
likelihood is computed once per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, gammaln, hyp2f1

from crmctl.models import MIN_REPEAT_CUSTOMERS, ModelError
from crmctl.models.inputs import as_vector, as_weights, count_where, distinct_rows, refuse, same_length
from crmctl.models.likelihoods import BgNbdLikelihood
from crmctl.models.optimise import maximise_likelihood


@dataclass(frozen=True)
class BgNbdFit:
    r: float
    alpha: float  # in `time_unit`s: λ's scale, so predictions use the same unit
    a: float
    b: float
    log_likelihood: float
    n_customers: int  # sum of the weights
    converged: bool
    time_unit: str


def compress(x, t_x, T) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (x, t_x, T) rows and how many customers share each: the fit's `weights`."""
    x, t_x, T = as_vector("x", x), as_vector("t_x", t_x), as_vector("T", T)
    same_length(x=x, t_x=t_x, T=T)
    return distinct_rows(x, t_x, T)


def log_likelihood(r: float, alpha: float, a: float, b: float, x, t_x, T) -> np.ndarray:
    """Each row's log-likelihood, eq. (6) of the paper, summed in log space.

    L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / Γ(r) · [(α+T)^-(r+x) + δ(x>0) a/(b+x-1) (α+t_x)^-(r+x)]
    """
    common = (gammaln(r + x) - gammaln(r) + r * np.log(alpha)
              + gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x))
    alive = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    # b + x - 1 > 0 needs x ≥ 1 when b < 1: only evaluate the dropout term where it exists.
    safe_x = np.where(repeat, x, 1.0)
    dropped = np.log(a) - np.log(b + safe_x - 1) - (r + safe_x) * np.log(alpha + t_x)
    return common + np.where(repeat, np.logaddexp(alive, dropped), alive)


def fit_bgnbd(x, t_x, T, weights=None, *, time_unit: str, require_convergence: bool = True) -> BgNbdFit:
    """Maximum-likelihood r, α, a, b. `weights` count the customers behind each row.

    Raises ModelError when fewer than 30 customers made a repeat purchase, when inputs break
    0 ≤ t_x ≤ T, and (unless `require_convergence=False`) when the optimiser does not converge.
    """
    x, t_x, T, w = _checked_summary(x, t_x, T, weights)
    repeaters = count_where(x > 0, w)
    if repeaters < MIN_REPEAT_CUSTOMERS:
        raise ModelError(
            f"{repeaters} customers with a repeat purchase; BG/NBD needs at least "
            f"{MIN_REPEAT_CUSTOMERS} customers who bought more than once (use a longer history)"
        )
    if weights is None:
        x, t_x, T, w = distinct_rows(x, t_x, T)
    likelihood = BgNbdLikelihood(x, t_x, T, w)
    n = likelihood.n
    optimum = maximise_likelihood(likelihood, _moment_start(x, T, w), ("r", "alpha", "a", "b"))
    if require_convergence and not optimum.converged:
        raise ModelError(f"BG/NBD fit did not converge: {optimum.message}; check the summary has "
                         "customers who stopped buying and customers still buying")
    r, alpha, a, b = (float(v) for v in optimum.params)
    return BgNbdFit(r, alpha, a, b, optimum.mean_log_likelihood * n, int(round(n)), optimum.converged, time_unit)


def _moment_start(x, T, w) -> np.ndarray:
    """r = 1 and α = ΣT / Σx: λ's mean r/α starts at the observed repeat rate, as if nobody dropped out
    (a method-of-moments estimate of the Poisson part), in whatever time unit T is in."""
    purchases = max(float(np.dot(w, x)), 1.0)
    return np.array([1.0, max(float(np.dot(w, T)) / purchases, 1e-3), 1.0, 1.0])


def p_alive(fit: BgNbdFit, x, t_x, T) -> np.ndarray:
    """P(alive at T | x, t_x, T) = 1 / (1 + δ(x>0) a/(b+x-1) ((α+T)/(α+t_x))^(r+x))."""
    x, t_x, T, _ = _checked_summary(x, t_x, T, None)
    return expit(-_log_dropout_odds(fit, x, t_x, T))


def expected_purchases(fit: BgNbdFit, t, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected purchases in (T, T+t], eq. (10) of the paper.

    (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))] · P(alive).
    Euler's transformation turns the bracket's product into (1-z)^(a-1) 2F1(a+b-1-r, a-1;
    a+b+x-1; z), whose first two parameters do not grow with x: stable for x in the thousands.
    """
    x, t_x, T, _ = _checked_summary(x, t_x, T, None)
    t = np.asarray(t, dtype=float)
    a, b = _away_from_poles(fit.a, fit.b)
    z = t / (fit.alpha + T + t)
    growth = _bracket(fit.r, a, b, x, z)
    return (a + b + x - 1) / (a - 1) * growth * expit(-_log_dropout_odds(fit, x, t_x, T))


def expected_purchases_new(fit: BgNbdFit, t) -> np.ndarray:
    """E[X(t)]: expected repeat purchases in (0, t] of a customer who just made a first purchase, eq. (9).

    (a+b-1)/(a-1) · [1 - (α/(α+t))^r 2F1(r, b; a+b-1; t/(α+t))], Euler-transformed as above.
    """
    t = np.asarray(t, dtype=float)
    a, b = _away_from_poles(fit.a, fit.b)
    z = t / (fit.alpha + t)
    growth = _bracket(fit.r, a, b, 0.0, z)
    return (a + b - 1) / (a - 1) * growth


def _bracket(r: float, a: float, b: float, x, z) -> np.ndarray:
    """1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z), the bracket of eqs. (9) and (10).

    Euler's form is used first (stable for large x). A tight Beta (a and b in the hundred thousands,
    as the sample's fit to 2024-12-31 gives) makes its (1-z)^(a-1) underflow to 0 while its 2F1
    overflows to inf; there the direct form, whose parameters do not grow with a, is finite and exact."""
    with np.errstate(over="ignore", invalid="ignore"):  # 0 · inf for a large a: replaced just below
        euler = 1.0 - np.exp((a - 1) * np.log1p(-z)) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
    if np.all(np.isfinite(euler)):
        return euler
    with np.errstate(over="ignore", invalid="ignore"):  # only a large a and a large x together defeat both
        direct = 1.0 - np.exp((r + x) * np.log1p(-z)) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    return np.where(np.isfinite(euler), euler, direct)


def _log_dropout_odds(fit: BgNbdFit, x, t_x, T) -> np.ndarray:
    """log of P(dropped out after the last purchase) ÷ P(alive); -inf when x = 0."""
    repeat = x > 0
    safe_x = np.where(repeat, x, 1.0)
    log_odds = (np.log(fit.a) - np.log(fit.b + safe_x - 1)
                + (fit.r + safe_x) * (np.log(fit.alpha + T) - np.log(fit.alpha + t_x)))
    return np.where(repeat, log_odds, -np.inf)


def _away_from_poles(a: float, b: float) -> tuple[float, float]:
    # The closed forms divide by a - 1, and 2F1's third argument a + b + x - 1 is 0 when x = 0 and
    # a + b = 1; the expectations are continuous through both, so step aside by a hair (the
    # result moves by about 1e-7 relative).
    a = a if abs(a - 1.0) > 1e-7 else 1.0 + 1e-7
    b = b if abs(a + b - 1.0) > 1e-7 else 1.0 - a + 1e-7
    return a, b


def _checked_summary(x, t_x, T, weights):
    x, t_x, T = as_vector("x", x), as_vector("t_x", t_x), as_vector("T", T)
    n = same_length(x=x, t_x=t_x, T=T)
    refuse("x", (x < 0) | (x != np.round(x)), "x is a whole number ≥ 0")
    refuse("T", T <= 0, "T > 0")
    refuse("t_x", (t_x < 0) | (t_x > T), "0 ≤ t_x ≤ T")
    return x, t_x, T, as_weights(weights, n)

"""`--fit-weights`: the risk weights fitted to history by an L2-penalised logistic regression.

y = churned within the horizon after DATE (backtest.py), x_j = signal j fires as of DATE (0/1). Each x_j
is standardised, z_j = (x_j − mean_j) / sd_j, and the fit minimises

    −Σ_i [y_i η_i − log(1 + e^η_i)] + (λ/2) Σ_j β_j²,   η_i = β_0 + Σ_j β_j z_ij

(λ = `--l2`, default 1; the intercept β_0 is not penalised). Standardising makes one λ shrink every signal
alike. Back on the 0/1 scale, weight_j = β_j / sd_j and the intercept is β_0 − Σ β_j mean_j / sd_j, so
logit P(churn) = intercept + Σ weight_j × fires_j = intercept + score: the score of config `risk:` with
these weights is the fitted log-odds, less the intercept. A signal that never (or always) fires has
sd 0, carries no information here, and gets weight 0 with a warning.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import polars as pl

from crmctl.config import Config
from crmctl.domain.results import FittedWeights
from crmctl.errors import UsageError
from crmctl.models import ModelError


@dataclass(frozen=True)
class LogisticFit:
    intercept: float  # on the 0/1 scale of the signals
    weights: tuple[float, ...]  # on the 0/1 scale
    standardised: tuple[float, ...]  # β_j on the standardised scale
    l2: float
    log_likelihood: float
    n: int


def fit_logistic(x, y, l2: float = 1.0) -> LogisticFit:
    """The penalised maximum-likelihood fit (L-BFGS-B with the analytic gradient); x is n × k, y is 0/1."""
    import numpy as np
    from scipy.optimize import minimize

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n, k = x.shape
    mean, sd = x.mean(axis=0), x.std(axis=0)
    informative = sd > 0
    z = np.zeros_like(x)
    z[:, informative] = (x[:, informative] - mean[informative]) / sd[informative]

    def objective(beta):
        eta = beta[0] + z @ beta[1:]
        loglik = np.sum(y * eta - np.logaddexp(0.0, eta))
        p = 1.0 / (1.0 + np.exp(-eta))
        penalty = np.r_[0.0, beta[1:]]
        gradient = np.r_[np.sum(p - y), z.T @ (p - y)] + l2 * penalty
        return -loglik + 0.5 * l2 * np.sum(beta[1:] ** 2), gradient

    result = minimize(objective, np.zeros(k + 1), jac=True, method="L-BFGS-B", options={"maxiter": 1000})
    if not result.success:
        raise ModelError(f"the logistic fit did not converge ({result.message}); try a larger --l2")
    beta = result.x
    weights = np.where(informative, beta[1:] / np.where(informative, sd, 1.0), 0.0)
    intercept = beta[0] - float(np.sum(weights * mean))
    loglik = -float(result.fun) + 0.5 * l2 * float(np.sum(beta[1:] ** 2))
    return LogisticFit(float(intercept), tuple(float(w) for w in weights), tuple(float(b) for b in beta[1:]),
                       l2, loglik, n)


def fit_weights(config: Config, as_of: dt.date | None, horizon: str, l2: float) -> FittedWeights:
    """(rows, meta): each customer's per-signal contributions under the fitted weights; meta has the fit and
    `risk_block`, the YAML to paste into the config."""
    from crmctl.customers.at_risk.backtest import with_outcome

    if as_of is None:
        raise UsageError("--fit-weights needs --as-of DATE, a day at least --horizon before the data's last day")
    if l2 < 0:
        raise UsageError(f"--l2 {l2}: the penalty must be ≥ 0 (0: no penalty)")
    scored, rows, window = with_outcome(config, as_of, horizon)
    used = scored.used
    x = rows.select(pl.col(f"fires_{s}").cast(pl.Float64) for s in used).to_numpy()
    y = rows["churned"].cast(pl.Float64).to_numpy()
    if not len(y) or y.min() == y.max():
        raise ModelError(f"cannot fit weights: {int(y.sum())} of {len(y)} customers churned after {as_of}; "
                         "the fit needs some who churned and some who did not")
    fit = fit_logistic(x, y, l2)
    weights = dict(zip(used, fit.weights))
    base = float(y.mean())
    # Listed when the fitted P(churn) exceeds the base rate: score > logit(base) − intercept.
    min_score = math.log(base / (1 - base)) - fit.intercept
    contributions = [pl.when(pl.col(f"fires_{s}")).then(weights[s]).otherwise(0.0).alias(f"contribution_{s}")
                     for s in used]
    out = rows.select("customer_id", pl.col("churned").alias("churned_after"), *contributions)
    out = out.with_columns(score=pl.sum_horizontal(*(f"contribution_{s}" for s in used)))
    out = out.with_columns(p_churn=1 / (1 + (-(pl.col("score") + fit.intercept)).exp()))
    out = out.select("customer_id", "churned_after", "score", "p_churn", *(f"contribution_{s}" for s in used)) \
        .sort(["p_churn", "customer_id"], descending=[True, False])
    constant = [s for s, b in zip(used, fit.standardised) if b == 0.0 and weights[s] == 0.0]
    meta = {**window, "as_of": as_of.isoformat(), "horizon": horizon, "customers": len(y), "churned": int(y.sum()),
            "base_rate": base, "l2": l2, "intercept": fit.intercept, "weights": weights,
            "standardised": dict(zip(used, fit.standardised)), "log_likelihood": fit.log_likelihood,
            "min_score": min_score, "risk_block": risk_block(weights, min_score, config.risk.weights),
            "warnings": scored.meta["warnings"] + [f"{s} never varies in this history: weight 0" for s in constant]}
    return FittedWeights(out, meta)


def risk_block(weights: dict[str, float], min_score: float, current) -> str:
    """The `risk:` YAML; a signal not in the fit (its data unmapped, or no BG/NBD fit) keeps its current weight."""
    lines = ["risk:", "  weights:"] + [
        f"    {name}: {weights[name]:.3f}" if name in weights else f"    {name}: {current[name]:g}   # not fitted"
        for name in current]
    return "\n".join([*lines, f"  min_score: {min_score:.3f}   # listed when fitted P(churn) > the base rate", ""])

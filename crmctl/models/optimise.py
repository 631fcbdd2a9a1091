"""Maximum likelihood on log-parameters, with a fallback and an honest convergence verdict.

lifetimes returns whatever the optimiser stopped at (lifetimes#405, #396); here a fit either
converges, with a reason we can check, or says it did not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

# exp(±15) spans 3e-7 … 3e6: wide enough for any time unit from hours to years; a parameter at
# this edge means the data do not pin it down (e.g. nobody ever drops out), so it is no fit.
LOG_BOUND = 15.0
_PENALTY = 1e10
# A log-parameter known only to ±2 (one standard error) is known to a factor of e^4 ≈ 55 at 95%:
# that is not an estimate. The CDNOW fits have standard errors of 0.05-0.3 on this scale.
MAX_LOG_SE = 2.0  # finite stand-in for an impossible likelihood: L-BFGS-B's line search needs one


@dataclass(frozen=True)
class Optimum:
    params: np.ndarray  # on the natural (not log) scale
    mean_log_likelihood: float
    converged: bool
    message: str


def maximise(mean_log_likelihood, start, names: tuple[str, ...], n_customers: float, *,
             gradient=None) -> Optimum:
    """Maximise `mean_log_likelihood(params)` (log-likelihood ÷ customers) over positive params.

    `gradient(params)`, when given, returns (mean log-likelihood, its gradient in params): L-BFGS-B
    then takes exact steps (one evaluation each, not 1 + len(params) for finite differences) and
    the curvature check differentiates the gradient instead of the value.

    Converged means: the optimiser says so, no parameter sits at the edge, and the curvature at
    the optimum pins every parameter down (standard error of its log below MAX_LOG_SE). The last
    check catches the ridges lifetimes reports as fits: when nobody drops out, a → 0 and
    r, α → ∞ together, and a gradient-based optimiser stops somewhere along the ridge.
    """

    def objective(log_params: np.ndarray) -> float:
        value = -mean_log_likelihood(np.exp(log_params))
        return float(value) if np.isfinite(value) else _PENALTY

    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    options = {"ftol": 1e-13, "gtol": 1e-7, "maxiter": 2000}
    if gradient is not None:
        exact = _log_scale(gradient)
        result = minimize(exact, np.log(start), method="L-BFGS-B", jac=True, bounds=bounds, options=options)
        if result.success and result.fun < _PENALTY:
            return _verdict(objective, result.x, result.fun, True, str(result.message), names, n_customers,
                            lambda log_params: exact(log_params)[1])
        # The fallback below needs no gradient: fall through from where the exact steps stopped.
        start = np.exp(result.x)
    result = minimize(objective, np.log(start), method="L-BFGS-B", bounds=bounds, options=options)
    if result.success and result.fun < _PENALTY:
        return _verdict(objective, result.x, result.fun, True, str(result.message), names, n_customers)
    # Nelder-Mead walks out of flat or ragged regions where finite-difference gradients mislead.
    rough = minimize(objective, result.x, method="Nelder-Mead",
                     options={"xatol": 1e-9, "fatol": 1e-13, "maxiter": 20000, "maxfev": 40000})
    polish = minimize(objective, rough.x, method="L-BFGS-B", bounds=bounds, options=options)
    best = polish if polish.fun <= rough.fun else rough
    success = bool(rough.success or polish.success)
    return _verdict(objective, best.x, best.fun, success, str(rough.message), names, n_customers)


def maximise_likelihood(likelihood, start, names: tuple[str, ...]) -> "Optimum":
    """`maximise` a likelihood object (`.n` customers, `.value_and_gradient(params)`) per customer: the
    mean keeps the optimiser's tolerances meaningful whether 300 or 3 million customers are fitted."""
    n = likelihood.n

    def mean_ll(params: np.ndarray) -> float:
        return likelihood.value_and_gradient(params)[0] / n

    def mean_ll_and_gradient(params: np.ndarray):
        value, gradient = likelihood.value_and_gradient(params)
        return value / n, gradient / n

    return maximise(mean_ll, start, names, n, gradient=mean_ll_and_gradient)


def _log_scale(gradient):
    """-mean LL and its gradient in log-parameters (chain rule: ∂/∂log θ = θ ∂/∂θ), for minimize(jac=True)."""

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        value, grad = gradient(params)
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            return _PENALTY, np.zeros_like(log_params)
        return -float(value), -np.asarray(grad, dtype=float) * params

    return objective


def _verdict(objective, log_params, value, success, reason, names, n_customers, log_gradient=None) -> Optimum:
    at_edge = [n for n, v in zip(names, log_params) if abs(v) >= LOG_BOUND - 1e-6]
    finite = bool(np.isfinite(value) and value < _PENALTY)
    loose = (_loose_parameters(objective, log_params, names, n_customers, log_gradient)
             if finite and not at_edge else [])
    if not finite:
        message = "the likelihood is not finite anywhere the optimiser looked"
    elif at_edge:
        message = f"{', '.join(at_edge)} ran off to 0 or infinity: the data do not determine it"
    elif not success:
        message = f"the optimiser stopped without converging ({reason})"
    elif loose:
        message = f"the data do not determine {', '.join(loose)} (the likelihood is flat along them)"
    else:
        message = "converged"
    converged = finite and success and not at_edge and not loose
    return Optimum(np.exp(log_params), -float(value), converged, message)


def _loose_parameters(objective, log_params, names, n_customers, log_gradient=None) -> list[str]:
    """Parameters whose log has a standard error above MAX_LOG_SE (all of them if the Hessian is not
    positive definite): the inverse of the observed information, by central differences."""
    x = np.asarray(log_params, dtype=float)
    hessian = _hessian(objective, x) if log_gradient is None else _hessian_from_gradient(log_gradient, x)
    if not np.all(np.isfinite(hessian)) or not np.all(np.linalg.eigvalsh(hessian) > 0):
        return list(names)
    variances = np.diag(np.linalg.inv(hessian * n_customers))
    return [n for n, var in zip(names, variances) if not var < MAX_LOG_SE**2]


def _hessian(f, x: np.ndarray, step: float = 1e-3) -> np.ndarray:
    k = len(x)
    shifts = np.eye(k) * step
    hessian = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            value = (f(x + shifts[i] + shifts[j]) - f(x + shifts[i] - shifts[j])
                     - f(x - shifts[i] + shifts[j]) + f(x - shifts[i] - shifts[j])) / (4 * step * step)
            hessian[i, j] = hessian[j, i] = value
    return hessian


def _hessian_from_gradient(gradient, x: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """Central differences of the exact gradient: 2k evaluations instead of about 2k², and more accurate."""
    columns = [(gradient(x + step * e) - gradient(x - step * e)) / (2 * step) for e in np.eye(len(x))]
    hessian = np.array(columns)
    return (hessian + hessian.T) / 2

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
_PENALTY = 1e10  # finite stand-in for an impossible likelihood: L-BFGS-B's line search needs one


@dataclass(frozen=True)
class Optimum:
    params: np.ndarray  # on the natural (not log) scale
    mean_log_likelihood: float
    converged: bool
    message: str


def maximise(mean_log_likelihood, start, names: tuple[str, ...]) -> Optimum:
    """Maximise `mean_log_likelihood(params)` (log-likelihood ÷ customers) over positive params."""

    def objective(log_params: np.ndarray) -> float:
        value = -mean_log_likelihood(np.exp(log_params))
        return float(value) if np.isfinite(value) else _PENALTY

    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    options = {"ftol": 1e-13, "gtol": 1e-7, "maxiter": 2000}
    result = minimize(objective, np.log(start), method="L-BFGS-B", bounds=bounds, options=options)
    if result.success and result.fun < _PENALTY:
        return _verdict(result.x, result.fun, True, str(result.message), names)
    # Nelder-Mead walks out of flat or ragged regions where finite-difference gradients mislead.
    rough = minimize(objective, result.x, method="Nelder-Mead",
                     options={"xatol": 1e-9, "fatol": 1e-13, "maxiter": 20000, "maxfev": 40000})
    polish = minimize(objective, rough.x, method="L-BFGS-B", bounds=bounds, options=options)
    best = polish if polish.fun <= rough.fun else rough
    return _verdict(best.x, best.fun, bool(rough.success or polish.success), str(rough.message), names)


def _verdict(log_params, value, success: bool, reason: str, names: tuple[str, ...]) -> Optimum:
    at_edge = [n for n, v in zip(names, log_params) if abs(v) >= LOG_BOUND - 1e-6]
    finite = bool(np.isfinite(value) and value < _PENALTY)
    if not finite:
        message = "the likelihood is not finite anywhere the optimiser looked"
    elif at_edge:
        message = f"{', '.join(at_edge)} ran off to 0 or infinity: the data do not determine it"
    elif not success:
        message = f"the optimiser stopped without converging ({reason})"
    else:
        message = "converged"
    return Optimum(np.exp(log_params), -float(value), finite and not at_edge and success, message)

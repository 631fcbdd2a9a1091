"""Customer-level models, pure numeric code (numpy + scipy), with the papers' names.

- BG/NBD (Fader, Hardie & Lee 2005): :mod:`crmctl.models.bgnbd`
- Gamma-Gamma spend (Fader, Hardie & Lee 2005): :mod:`crmctl.models.gamma_gamma`
- shifted-beta-geometric retention (Fader & Hardie 2007, 2010): :mod:`crmctl.models.sbg`
- holdout comparison: :mod:`crmctl.models.holdout`; predicted CLV: :mod:`crmctl.models.clv`

The public names below are importable from ``crmctl.models`` but load lazily, so importing this
package (for ``ModelError``) costs nothing; numpy and scipy load with the first model used.
Every time is in the caller's unit (``time_unit``); nothing here assumes days or weeks.
"""

from __future__ import annotations

import os
from importlib import import_module

from crmctl.errors import DataError

# The fits' vectors are small (4 parameters; L-BFGS-B's Fortran calls BLAS on them): OpenBLAS threads
# only contend for cores, and on a busy 2-core machine one L-BFGS-B step took 9 ms instead of 0.1 ms
# (16 sBG cohort fits: 18 s against 3 s). Effective when numpy has not been imported yet; an explicit
# setting in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


class ModelError(DataError):
    """A model could not be fitted or used: the message says why and what data it needs."""


_PUBLIC = {
    "BgNbdFit": "bgnbd",
    "compress": "bgnbd",
    "fit_bgnbd": "bgnbd",
    "p_alive": "bgnbd",
    "expected_purchases": "bgnbd",
    "expected_purchases_new": "bgnbd",
    "GammaGammaFit": "gamma_gamma",
    "fit_gamma_gamma": "gamma_gamma",
    "conditional_expected_value": "gamma_gamma",
    "frequency_value_correlation": "gamma_gamma",
    "SbgFit": "sbg",
    "fit_sbg": "sbg",
    "survival": "sbg",
    "retention_rate": "sbg",
    "discounted_expected_residual_lifetime": "sbg",
    "HoldoutBucket": "holdout",
    "HoldoutComparison": "holdout",
    "compare_holdout": "holdout",
    "discount_factor": "clv",
    "per_period_rate": "clv",
    "predicted_clv": "clv",
    "subscription_clv": "clv",
}

__all__ = ["ModelError", *_PUBLIC]

MIN_REPEAT_CUSTOMERS = 30  # below this the spend and repeat-rate parameters are guesses


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(import_module(f"crmctl.models.{_PUBLIC[name]}"), name)
    raise AttributeError(f"module 'crmctl.models' has no attribute {name!r}")

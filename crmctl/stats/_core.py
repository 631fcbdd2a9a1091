"""What every method shares: inputs as float arrays, scalar results as floats, critical values.

numpy and scipy are imported inside functions: `crmctl --help` must not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmctl.errors import UsageError

if TYPE_CHECKING:
    import numpy as np


def floats(*values) -> tuple[np.ndarray, ...]:
    """The arguments as broadcast float64 arrays, so every method is vectorised for free."""
    import numpy as np

    return tuple(np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values)))


def unwrap(array):
    """A 0-d result becomes a Python float; arrays stay arrays (one value per group)."""
    import numpy as np

    array = np.asarray(array, dtype=np.float64)
    return float(array) if array.ndim == 0 else array


def check_probability(value: float, name: str) -> None:
    if not 0 < value < 1:
        raise UsageError(
            f"{name} must be between 0 and 1 (exclusive), got {value!r}: e.g. 0.95 for confidence, 0.05 for alpha"
        )


def normal_critical(confidence: float) -> float:
    """z such that a standard normal lies within ±z with probability `confidence`."""
    from scipy.stats import norm

    check_probability(confidence, "confidence")
    return float(norm.ppf(0.5 + confidence / 2))


def t_critical(confidence: float, df):
    """Student t quantile for a two-sided interval; nan where df is nan or not positive."""
    import numpy as np
    from scipy.stats import t

    check_probability(confidence, "confidence")
    df = np.asarray(df, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(df > 0, t.ppf(0.5 + confidence / 2, np.where(df > 0, df, 1.0)), np.nan)


def two_sided_normal_p(z):
    """P(|Z| ≥ |z|) for a standard normal Z; nan stays nan."""
    import numpy as np
    from scipy.stats import norm

    return 2 * norm.sf(np.abs(z))


def nan_where(mask, array):
    """`array` with nan wherever `mask` holds: the method has nothing honest to say there."""
    import numpy as np

    return np.where(mask, np.nan, array)

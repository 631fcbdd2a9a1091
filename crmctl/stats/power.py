"""Sample size: how many units per group a test needs to detect a given absolute change.

Both formulas are normal approximations for two groups of equal size, rounded up; the far tail of a
two-sided test is ignored (negligible whenever the answer is useful). nan for inputs that describe
no test (an MDE of 0, a baseline outside 0…1, a non-positive sd), never 0.
"""

from __future__ import annotations

from crmctl.stats._core import check_probability, floats, nan_where, unwrap


def _z_alpha_beta(alpha: float, power: float, two_sided: bool) -> tuple[float, float]:
    from scipy.stats import norm

    check_probability(alpha, "alpha")
    check_probability(power, "power")
    return float(norm.isf(alpha / 2 if two_sided else alpha)), float(norm.ppf(power))


def sample_size_proportions(baseline, mde, alpha: float = 0.05, power: float = 0.8, two_sided: bool = True):
    """Units per group for the pooled two-proportion z-test to detect p₁ = baseline + mde.

    n = (z_α·√(2·p̄(1 − p̄)) + z_β·√(p₁(1 − p₁) + p₀(1 − p₀)))² / mde², with p₀ = baseline and
    p̄ = (p₀ + p₁)/2: the variance under H₀ is pooled (as the test computes it), under H₁ unpooled
    (Fleiss, Levin & Paik 2003, "Statistical Methods for Rates and Proportions", ch. 4, without
    continuity correction). `mde` is absolute (0.02 = two percentage points). Same numbers as
    statsmodels `samplesize_proportions_2indep_onetail(mde, baseline, power, alpha=alpha)`, before
    rounding up.
    Not statsmodels' `NormalIndPower` with Cohen's h, which sizes a test on arcsine-transformed rates.
    """
    import numpy as np

    z_alpha, z_beta = _z_alpha_beta(alpha, power, two_sided)
    p0, mde = floats(baseline, mde)
    p1 = p0 + mde
    pooled = (p0 + p1) / 2
    invalid = ~((p0 > 0) & (p0 < 1) & (p1 >= 0) & (p1 <= 1) & (mde != 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = z_alpha * np.sqrt(2 * pooled * (1 - pooled)) + z_beta * np.sqrt(p1 * (1 - p1) + p0 * (1 - p0))
        n = np.ceil(spread**2 / mde**2)
    return unwrap(nan_where(invalid, n))


def sample_size_means(sd, mde, alpha: float = 0.05, power: float = 0.8, two_sided: bool = True):
    """Units per group for a two-sample test of means to detect an absolute change `mde`:
    n = 2·(z_α + z_β)²·sd² / mde² (normal approximation, equal sd in both groups; e.g. Chow, Shao
    & Wang 2008, "Sample Size Calculations in Clinical Research", ch. 3). Same numbers as statsmodels
    `NormalIndPower().solve_power(mde/sd, alpha=alpha, power=power)` before rounding up; a t-test
    needs a unit or two more when n is small."""
    import numpy as np

    z_alpha, z_beta = _z_alpha_beta(alpha, power, two_sided)
    sd, mde = floats(sd, mde)
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.ceil(2 * (z_alpha + z_beta) ** 2 * sd * sd / (mde * mde))
    return unwrap(nan_where(~((sd > 0) & (mde != 0) & np.isfinite(sd) & np.isfinite(mde)), n))

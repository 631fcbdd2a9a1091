"""Sample-ratio mismatch: did the groups get the share of units the design promised?

A mismatch means the assignment or the data pipeline is broken (bots, lost events, a redirect in
one arm), so every comparison between those groups is suspect, however small its p-value.
"""

from __future__ import annotations

from crmctl.errors import UsageError

# Flag a mismatch below this p-value. Strict on purpose: the check runs on every comparison, and a
# false alarm throws away a valid test (the threshold GrowthBook and Eppo use; Fabijan et al. 2019,
# "Diagnosing sample ratio mismatch in online controlled experiments", KDD).
SRM_ALPHA = 0.001


def sample_ratio_mismatch(counts, expected_shares=None):
    """Pearson's chi-square goodness-of-fit test of the group sizes against the designed split:
    χ² = Σ (observed − expected)² / expected, k − 1 degrees of freedom (Pearson 1900).
    Same numbers as scipy `chisquare(counts, expected)`.

    `expected_shares` default to an equal split; they need not sum to 1 (they are normalised).
    Returns (chi2, p_value); (nan, nan) with fewer than two groups or no units at all. A mismatch
    is p_value < SRM_ALPHA.
    """
    import numpy as np
    from scipy.stats import chi2 as chi_square

    observed = np.asarray(counts, dtype=np.float64).ravel()
    k = observed.size
    shares = np.full(k, 1.0) if expected_shares is None else np.asarray(expected_shares, dtype=np.float64).ravel()
    _check_shares(observed, shares)
    total = observed.sum()
    if k < 2 or not total > 0:
        return float("nan"), float("nan")
    expected = total * shares / shares.sum()
    statistic = float(((observed - expected) ** 2 / expected).sum())
    return statistic, float(chi_square.sf(statistic, k - 1))


def _check_shares(observed, shares) -> None:
    import numpy as np

    if shares.size != observed.size:
        raise UsageError(
            f"expected_shares has {shares.size} values for {observed.size} groups: "
            "give one share per group, in the same order"
        )
    if not (np.all(np.isfinite(shares)) and np.all(shares > 0)):
        raise UsageError(
            f"expected_shares must all be positive numbers, got {shares.tolist()}: "
            "e.g. [0.5, 0.5] or [1, 1] for an even split"
        )
    if not (np.all(np.isfinite(observed)) and np.all(observed >= 0)):
        raise UsageError(f"group counts must be whole numbers ≥ 0, got {observed.tolist()}")

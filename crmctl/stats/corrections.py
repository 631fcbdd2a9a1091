"""Multiple comparisons: when several metrics or variants are tested at once."""

from __future__ import annotations


def holm(p_values):
    """Holm's step-down adjusted p-values (Holm 1979, "A simple sequentially rejective multiple
    test procedure", Scand. J. Statist. 6). Controls the family-wise error rate like Bonferroni,
    never less powerful. Sorted ascending, p₍ᵢ₎ becomes max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎),
    returned in the input order; reject where adjusted < α. Same numbers as statsmodels
    `multipletests(p, method="holm")[1]`.

    nan p-values (tests that could not be run) stay nan and do not count in m: a test that was
    never run costs the others nothing. Returns an array (a float for a single scalar input).
    """
    import numpy as np

    from crmctl.stats._core import unwrap

    p = np.asarray(p_values, dtype=np.float64)
    flat = p.ravel()
    adjusted = np.full(flat.shape, np.nan)
    present = np.flatnonzero(~np.isnan(flat))
    order = present[np.argsort(flat[present], kind="stable")]
    m = order.size
    scaled = (m - np.arange(m)) * flat[order]
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return unwrap(adjusted.reshape(p.shape))

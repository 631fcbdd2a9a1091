"""Holm's correction and the sample-ratio-mismatch check against statsmodels and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hst
from statsmodels.stats.multitest import multipletests

from crmctl.errors import UsageError
from crmctl.stats import SRM_ALPHA, holm, sample_ratio_mismatch


def test_holm_by_hand():
    # sorted .01, .03, .04 → ×3, ×2, ×1 = .03, .06, .04 → running max .03, .06, .06
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    assert holm(0.2) == 0.2
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])  # capped at 1


def test_holm_matches_statsmodels():
    rng = np.random.default_rng(41)
    for size in (1, 2, 7, 40):
        p = np.concatenate([rng.uniform(0, 0.05, size // 2), rng.uniform(0, 1, size - size // 2)])
        p[-1] = p[0]  # a tie
        rng.shuffle(p)
        np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], rtol=1e-12)


def test_holm_skips_tests_that_could_not_run():
    adjusted = holm([0.01, np.nan, 0.04])
    assert math.isnan(adjusted[1])
    np.testing.assert_allclose(adjusted[[0, 2]], [0.02, 0.04])
    assert holm([]).size == 0


@settings(max_examples=50, deadline=None)
@given(hst.lists(hst.floats(0, 1), min_size=1, max_size=30))
def test_holm_is_monotone_and_never_below_the_raw_p(values):
    p = np.array(values)
    adjusted = holm(p)
    order = np.argsort(p, kind="stable")
    assert np.all(adjusted >= p) and np.all(adjusted <= 1)
    assert np.all(np.diff(adjusted[order]) >= 0)


def test_srm_by_hand():
    # 40 vs 60 of an even split: expected 50 each, χ² = (100 + 100)/50 = 4, 1 df: p = 2·Φ(−2)
    chi2, p = sample_ratio_mismatch([40, 60])
    assert chi2 == pytest.approx(4.0) and p == pytest.approx(2 * st.norm.sf(2))
    assert sample_ratio_mismatch([10, 20, 30], [1, 2, 3]) == pytest.approx((0.0, 1.0))


def test_srm_matches_scipy_chisquare():
    rng = np.random.default_rng(42)
    for k in (2, 3, 5):
        shares = rng.uniform(0.5, 2, k)
        counts = rng.multinomial(10_000, shares / shares.sum())
        ref = st.chisquare(counts, counts.sum() * shares / shares.sum())
        assert sample_ratio_mismatch(counts, shares) == pytest.approx((ref.statistic, ref.pvalue), rel=1e-10)
        ref = st.chisquare(counts)
        assert sample_ratio_mismatch(counts) == pytest.approx((ref.statistic, ref.pvalue), rel=1e-10)


def test_srm_threshold_flags_a_broken_split_not_noise():
    assert SRM_ALPHA == 0.001
    assert sample_ratio_mismatch([5000, 5100])[1] > SRM_ALPHA  # 1% off: noise at this size
    assert sample_ratio_mismatch([5000, 5400])[1] < SRM_ALPHA  # 4% off: broken assignment


def test_srm_edges():
    assert all(math.isnan(v) for v in sample_ratio_mismatch([0, 0]))
    assert all(math.isnan(v) for v in sample_ratio_mismatch([12]))
    with pytest.raises(UsageError, match="one share per group"):
        sample_ratio_mismatch([10, 20], [1, 1, 1])
    with pytest.raises(UsageError, match="positive"):
        sample_ratio_mismatch([10, 20], [1, 0])
    with pytest.raises(UsageError, match="≥ 0"):
        sample_ratio_mismatch([10, -2])


def test_importing_stats_loads_neither_numpy_nor_scipy():
    # the CLI may import crmctl.stats at start-up; `crmctl --help` must not pay for numpy/scipy
    import subprocess
    import sys

    code = "import sys, crmctl.stats; print(sorted({'numpy', 'scipy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

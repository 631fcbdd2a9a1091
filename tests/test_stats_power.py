"""Sample size: the closed forms by hand, against statsmodels, and a seeded power simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

from crmctl.errors import UsageError
from crmctl.stats import sample_size_means, sample_size_proportions, two_proportion_ztest


def test_means_by_hand():
    # (z.975 + z.8)² = (1.959964 + 0.841621)² = 7.848879; × 2 × sd² / mde²
    assert sample_size_means(1, 1) == 16.0  # 15.70 rounded up
    assert sample_size_means(10, 1) == 1570.0  # 1569.78
    assert sample_size_means(10, -1) == 1570.0  # a drop needs as many as a rise


def test_proportions_by_hand():
    # baseline .1, mde .02: p̄ = .11; (1.959964·√(2·.11·.89) + 0.841621·√(.12·.88 + .1·.9))² / .02²
    direct = (1.959964 * math.sqrt(2 * 0.11 * 0.89) + 0.841621 * math.sqrt(0.12 * 0.88 + 0.09)) ** 2 / 0.0004
    assert sample_size_proportions(0.1, 0.02) == math.ceil(direct) == 3841


@pytest.mark.parametrize("two_sided", [True, False])
def test_matches_statsmodels(two_sided):
    alternative = "two-sided" if two_sided else "larger"
    for baseline, mde, alpha, power in [(0.1, 0.02, 0.05, 0.8), (0.5, -0.05, 0.01, 0.9), (0.03, 0.005, 0.1, 0.8)]:
        ref = samplesize_proportions_2indep_onetail(mde, baseline, power, alpha=alpha, alternative=alternative)
        assert sample_size_proportions(baseline, mde, alpha, power, two_sided) == math.ceil(ref)
    for sd, mde in [(10, 1), (35.5, 4), (1, 0.05)]:
        ref = NormalIndPower().solve_power(mde / sd, alpha=0.05, power=0.8, alternative=alternative)
        assert sample_size_means(sd, mde, two_sided=two_sided) == pytest.approx(math.ceil(ref), abs=1)


def test_proportions_size_delivers_its_power():
    n = int(sample_size_proportions(0.2, 0.05))
    rng = np.random.default_rng(51)
    _, p = two_proportion_ztest(rng.binomial(n, 0.25, 3000), n, rng.binomial(n, 0.2, 3000), n)
    assert 0.77 <= np.mean(p < 0.05) <= 0.83


def test_means_size_delivers_its_power():
    n = int(sample_size_means(4.0, 1.0))
    rng = np.random.default_rng(52)
    a, b = rng.normal(11, 4, size=(2000, n)), rng.normal(10, 4, size=(2000, n))
    t = st.ttest_ind(a, b, axis=1, equal_var=False)
    assert 0.77 <= np.mean(t.pvalue < 0.05) <= 0.83


def test_vectorised_and_edges():
    sizes = sample_size_proportions([0.1, 0.1, 0.0, 0.95, 0.5], [0.02, 0.0, 0.01, 0.1, np.nan])
    assert sizes[0] == 3841 and np.isnan(sizes[1:]).all()  # no effect, baseline 0, beyond 100%, unknown
    assert np.isnan(sample_size_means([0, 1], [1, 0])).all()
    with pytest.raises(UsageError, match="power"):
        sample_size_means(1, 1, power=80)

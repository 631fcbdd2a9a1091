"""One-group intervals: hand-computed cases, references (statsmodels, scipy, a direct binomial
enumeration), seeded coverage simulations, edge cases and bounded properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hst
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from crmctl.errors import UsageError
from crmctl.stats import (
    mean_interval,
    nps_interval,
    nps_standard_error,
    proportion_standard_error,
    quantile_interval,
    quantile_rank_bounds,
    wilson_interval,
)

# z = 2 exactly, so the hand computations below stay in round numbers.
Z2 = 2 * st.norm.cdf(2) - 1


def test_wilson_by_hand():
    # x=2, n=4, z=2: p=.5, z²/n=1, centre=(.5 + .5)/2=.5, half=2·√(.25/4 + 4/64)/2=√.125
    low, high = wilson_interval(2, 4, Z2)
    assert (low, high) == pytest.approx((0.5 - math.sqrt(0.125), 0.5 + math.sqrt(0.125)))
    # x=0, n=4, z=2: centre=(0 + .5)/2=.25, half=2·√(0 + .0625)/2=.25 → (0, .5): not a fake (0, 0)
    assert wilson_interval(0, 4, Z2) == pytest.approx((0.0, 0.5))
    assert wilson_interval(4, 4, Z2) == pytest.approx((0.5, 1.0))


def test_wilson_matches_statsmodels():
    rng = np.random.default_rng(7)
    n = rng.integers(1, 500, size=300)
    x = rng.binomial(n, rng.uniform(0, 1, size=300))
    for confidence in (0.8, 0.95, 0.99):
        ours = wilson_interval(x, n, confidence)
        ref = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-14)


def test_wilson_coverage():
    rng = np.random.default_rng(2026)
    x = rng.binomial(50, 0.3, size=2000)
    low, high = wilson_interval(x, 50)
    assert 0.93 <= np.mean((low <= 0.3) & (0.3 <= high)) <= 0.97


def test_wilson_edges_are_nan_not_zero():
    low, high = wilson_interval([0, 1, 5, -1, np.nan], [0, 1, 3, 3, 3])
    assert np.isnan(low[[0, 2, 3, 4]]).all() and np.isnan(high[[0, 2, 3, 4]]).all()
    assert 0 < low[1] < high[1] == 1.0  # n=1, one success: wide but honest
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    assert math.isnan(proportion_standard_error(0, 0))


def test_bad_confidence_says_what_to_give():
    with pytest.raises(UsageError, match="0.95"):
        wilson_interval(1, 2, confidence=95)


def test_nps_by_hand():
    # 5 promoters, 3 detractors of 10, z=2: p⁺=.5, p⁻=.3, d=.2, var=(.8 − .04)/10=.076
    se = 100 * math.sqrt(0.076)
    assert nps_standard_error(5, 3, 10) == pytest.approx(se)
    assert nps_interval(5, 3, 10, Z2) == pytest.approx((20 - 2 * se, 20 + 2 * se))
    # 9 promoters, 0 detractors of 10: upper end clipped to the scale's 100
    assert nps_interval(9, 0, 10)[1] == 100.0


def test_nps_coverage():
    rng = np.random.default_rng(11)
    counts = rng.multinomial(100, [0.5, 0.2, 0.3], size=2000)
    low, high = nps_interval(counts[:, 0], counts[:, 1], 100)
    assert 0.93 <= np.mean((low <= 30) & (30 <= high)) <= 0.97


def test_nps_without_variation_is_nan():
    # n=0, n=1, everyone a promoter, everyone passive: no interval, not a zero-width one
    low, high = nps_interval([0, 1, 20, 0], [0, 0, 0, 0], [0, 1, 20, 20])
    assert np.isnan(low).all() and np.isnan(high).all()
    assert math.isnan(nps_standard_error(3, 2, 4))  # impossible counts


def test_mean_interval_by_hand():
    # mean 10, sd 2, n 4: se = 1, t(3, .975) = 3.182446 (any t table)
    assert mean_interval(10, 2, 4) == pytest.approx((10 - 3.182446, 10 + 3.182446), abs=1e-6)


def test_mean_interval_matches_scipy_and_statsmodels():
    rng = np.random.default_rng(3)
    for size in (2, 5, 40):
        sample = rng.gamma(2.0, 3.0, size=size)
        mean, sd = sample.mean(), sample.std(ddof=1)
        ours = mean_interval(mean, sd, size, 0.9)
        assert ours == pytest.approx(DescrStatsW(sample).tconfint_mean(alpha=0.1), rel=1e-12)
        assert ours == pytest.approx(st.t.interval(0.9, size - 1, mean, st.sem(sample)), rel=1e-12)


def test_mean_interval_coverage():
    rng = np.random.default_rng(5)
    samples = rng.normal(4.0, 2.0, size=(2000, 20))
    low, high = mean_interval(samples.mean(axis=1), samples.std(axis=1, ddof=1), 20)
    assert 0.93 <= np.mean((low <= 4.0) & (4.0 <= high)) <= 0.97


def test_mean_interval_edges():
    low, high = mean_interval([5, 5, 5], [0, 1, np.nan], [10, 1, 10])
    assert np.isnan(low).all() and np.isnan(high).all()  # no variation, n=1, unknown sd


def test_quantile_ranks_by_hand():
    # Binomial(10, .5): F(1) = 11/1024 ≤ .025 < F(2) = 56/1024, so lo = 2;
    # F(7) = 968/1024 < .975 ≤ F(8) = 1013/1024, so hi = 9: the textbook (x₍₂₎, x₍₉₎) for n = 10.
    assert quantile_rank_bounds(10, 0.5) == (2.0, 9.0)
    assert quantile_interval([7, 1, 9, 3, 5, 10, 2, 8, 4, 6], 0.5) == (2.0, 9.0)


def _direct_rank_bounds(n, q, confidence):
    """Enumerate the binomial cdf: the largest lo−1 with F ≤ α/2, the smallest hi−1 with F ≥ 1 − α/2."""
    tail = (1 - confidence) / 2
    cdf = np.cumsum([math.comb(n, j) * q**j * (1 - q) ** (n - j) for j in range(n + 1)])
    lo = int(np.sum(cdf <= tail))  # F is increasing: the count of j with F(j) ≤ α/2 is lo − 1 + 1
    hi = int(np.argmax(cdf >= 1 - tail)) + 1
    return (lo, hi) if lo >= 1 and hi <= n else None


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_quantile_ranks_match_direct_binomial(q, confidence):
    ns = np.arange(1, 160)
    lo, hi = quantile_rank_bounds(ns, q, confidence)
    for n, a, b in zip(ns, lo, hi, strict=True):
        direct = _direct_rank_bounds(int(n), q, confidence)
        assert (None if np.isnan(a) else (int(a), int(b))) == direct, n
        if direct:
            cdf = st.binom.cdf([b - 1, a - 1], n, q)
            assert cdf[0] - cdf[1] >= confidence - 1e-12


def test_quantile_interval_coverage():
    rng = np.random.default_rng(17)
    samples = np.sort(rng.exponential(1.0, size=(2000, 60)), axis=1)
    lo, hi = quantile_rank_bounds(60, 0.9)
    truth = -math.log(0.1)
    covered = (samples[:, int(lo) - 1] <= truth) & (truth <= samples[:, int(hi) - 1])
    assert 0.94 <= covered.mean() <= 0.99  # at least the nominal 95%, discreteness makes it more


def test_quantile_interval_edges():
    assert all(math.isnan(v) for v in quantile_interval([], 0.5))
    assert all(math.isnan(v) for v in quantile_interval([1, 2, 3, 4, 5], 0.5))  # n < 6
    assert all(math.isnan(v) for v in quantile_interval(np.arange(35.0), 0.9))  # p90 needs 36
    assert quantile_interval([np.nan, *range(1, 11)], 0.5) == (2.0, 9.0)
    assert all(np.isnan(quantile_rank_bounds([0, 10, 10], [0.5, 0.0, 1.0])[0]))


@settings(max_examples=50, deadline=None)
@given(hst.integers(1, 5000).flatmap(lambda n: hst.tuples(hst.integers(0, n), hst.just(n))))
def test_wilson_contains_estimate_within_unit_range(case):
    x, n = case
    low, high = wilson_interval(x, n)
    assert 0.0 <= low <= x / n <= high <= 1.0


@settings(max_examples=50, deadline=None)
@given(hst.integers(0, 300), hst.integers(0, 300), hst.integers(0, 300))
def test_nps_interval_contains_estimate_within_scale(prom, det, passive):
    n = prom + det + passive
    low, high = nps_interval(prom, det, n)
    if math.isnan(low):
        assert n == 0 or max(prom, det, passive) == n
    else:
        assert -100.0 <= low <= 100 * (prom - det) / n <= high <= 100.0


@settings(max_examples=50, deadline=None)
@given(hst.lists(hst.floats(-1e6, 1e6), min_size=2, max_size=80), hst.sampled_from([0.25, 0.5, 0.9]))
def test_mean_and_quantile_intervals_contain_estimates(values, q):
    sample = np.array(values)
    low, high = mean_interval(sample.mean(), sample.std(ddof=1), sample.size)
    if not math.isnan(low):
        assert low <= sample.mean() <= high
    qlow, qhigh = quantile_interval(sample, q)
    if not math.isnan(qlow):
        assert qlow <= np.quantile(sample, q) <= qhigh and qlow in sample and qhigh in sample

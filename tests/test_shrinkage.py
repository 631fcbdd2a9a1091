"""crmctl.stats.shrinkage: hand-computed DerSimonian–Laird, beta-binomial and normal empirical Bayes."""

from __future__ import annotations

import math

import pytest

from crmctl import stats


def test_between_variance_by_hand():
    # w = 1/0.05² = 400 each; ȳ = 0.2; Q = 400·(0.01 + 0 + 0.01) = 8; Σw − Σw²/Σw = 1200 − 400 = 800.
    assert stats.between_variance([0.1, 0.2, 0.3], [0.05] * 3) == pytest.approx((8 - 2) / 800)
    assert stats.between_variance([0.2, 0.2], [0.1, 0.1]) == 0.0  # no spread beyond noise
    assert math.isnan(stats.between_variance([0.2], [0.1]))  # one group: nothing to compare


def test_pooled_mean_by_hand():
    mean, se = stats.pooled_mean([0.1, 0.2, 0.3], [0.05] * 3, 0.0075)  # weights 1/(0.0025 + 0.0075) = 100
    assert (mean, se) == (pytest.approx(0.2), pytest.approx(math.sqrt(1 / 300)))


def test_beta_binomial_prior_and_shrinkage_by_hand():
    # p̄ = 15/30 = 0.5; spread = 10·(0.16 + 0 + 0.16)/30 · 3/2 = 0.16; v = 0.16 − 0.25·0.1 = 0.135;
    # α + β = 0.25/0.135 − 1 = 0.85185…, α = β = 0.42593.
    a, b = stats.beta_binomial_prior([1, 5, 9], [10, 10, 10])
    assert (a, b) == (pytest.approx(0.25 / 0.135 / 2 - 0.5), pytest.approx(0.25 / 0.135 / 2 - 0.5))
    shrunk, low, high, mean = stats.beta_binomial_shrinkage([1, 5, 9], [10, 10, 10])
    assert shrunk[0] == pytest.approx((1 + a) / (10 + a + b)) and shrunk[0] == pytest.approx(0.131399, abs=1e-6)
    assert shrunk[1] == pytest.approx(0.5) and mean == pytest.approx(0.5)
    assert low[0] < shrunk[0] < high[0]


def test_groups_alike_are_pulled_all_the_way_when_they_vary_no_more_than_noise():
    # Both 5 of 10: no spread, so the prior is as strong as all the data (α + β = Σn = 20).
    assert stats.beta_binomial_prior([5, 5], [10, 10]) == (pytest.approx(10.0), pytest.approx(10.0))
    # A lucky 3 of 3 beside 50 of 100: p̄ = 53/103; spread 2·(3·0.4854² + 100·0.0146²)/103 = 0.01414 is
    # below the binomial part p̄(1 − p̄)·(1/3 + 1/100)/2 = 0.04288, so α, β = 53, 50 and 3/3 becomes
    # (3 + 53)/(3 + 103) = 0.5283: level with the team, not on top by a mile.
    shrunk, *_ = stats.beta_binomial_shrinkage([3, 50], [3, 100])
    assert shrunk[0] == pytest.approx(56 / 106)


def test_normal_shrinkage_by_hand():
    # DL: w = 4, ȳ = 2, Q = 8, scale = 12 − 4 = 8, τ² = 6/8 = 0.75; B = 0.25/(0.25 + 0.75) = 0.25.
    # se(μ) = √(1/3) (weights 1/(0.25 + 0.75)); sd = √(0.75·0.25 + 0.25²/3) = √0.208333.
    shrunk, low, high, mean = stats.normal_shrinkage([1.0, 2.0, 3.0], [0.5, 0.5, 0.5])
    assert list(shrunk) == pytest.approx([1.25, 2.0, 2.75]) and mean == pytest.approx(2.0)
    assert low[0] == pytest.approx(1.25 - 1.959964 * math.sqrt(0.208333333), abs=1e-5)
    assert high[2] == pytest.approx(2.75 + 1.959964 * math.sqrt(0.208333333), abs=1e-5)


def test_normal_shrinkage_with_no_real_spread_gives_everyone_the_pooled_interval():
    shrunk, low, high, mean = stats.normal_shrinkage([10.0, 10.5], [2.0, 2.0])  # τ² = 0
    assert list(shrunk) == pytest.approx([10.25, 10.25])
    assert list(high - low) == pytest.approx([2 * 1.959964 * math.sqrt(2.0)] * 2, abs=1e-5)  # se(μ) = √(4/2)


def test_normal_shrinkage_keeps_exact_groups_and_pools_unknown_ones():
    # se 0: every observation alike, the value stands; se nan (one observation): the pooled mean.
    shrunk, low, high, mean = stats.normal_shrinkage([10.0, 20.0, 40.0], [0.0, 1.0, float("nan")])
    assert mean == pytest.approx(20.0)  # the only group with a noisy, known mean
    assert list(shrunk) == pytest.approx([10.0, 20.0, 20.0])
    assert (low[0], high[0]) == (pytest.approx(10.0), pytest.approx(10.0))

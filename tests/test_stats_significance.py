"""Two-group tests and lift intervals: hand-computed cases, statsmodels/scipy references on
seeded data, a null simulation, edge cases and bounded properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hst
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from crmctl.stats import (
    difference_interval,
    difference_ztest,
    mean_difference_interval,
    nps_difference_interval,
    nps_difference_ztest,
    proportion_difference_interval,
    relative_lift,
    two_proportion_ztest,
    welch_ttest,
)

Z2 = 2 * st.norm.cdf(2) - 1  # z = 2 exactly


def test_two_proportion_ztest_by_hand():
    # 6/10 vs 4/10: pooled .5, se = √(.25 · .2) = √.05, z = .2/√.05 = 0.894427
    z, p = two_proportion_ztest(6, 10, 4, 10)
    assert z == pytest.approx(0.2 / math.sqrt(0.05))
    assert p == pytest.approx(0.371093, abs=1e-6)


def test_two_proportion_ztest_matches_statsmodels():
    rng = np.random.default_rng(21)
    for _ in range(200):
        n1, n2 = rng.integers(5, 2000, size=2)
        x1, x2 = rng.binomial(n1, 0.3), rng.binomial(n2, 0.33)
        assert two_proportion_ztest(x1, n1, x2, n2) == pytest.approx(proportions_ztest([x1, x2], [n1, n2]), rel=1e-10)


def test_two_proportion_ztest_holds_its_size_under_the_null():
    rng = np.random.default_rng(22)
    x1, x2 = rng.binomial(400, 0.2, size=4000), rng.binomial(400, 0.2, size=4000)
    _, p = two_proportion_ztest(x1, 400, x2, 400)
    assert 0.04 <= np.mean(p < 0.05) <= 0.06


def test_two_proportion_edges():
    z, p = two_proportion_ztest([0, 10, 3, 0], [0, 10, 10, 10], [1, 10, 2, 0], [5, 10, 0, 10])
    assert np.isnan(z).all() and np.isnan(p).all()  # empty group, all succeed, empty, none succeed


def test_welch_by_hand():
    # 5 ± 2 (n 4) vs 3 ± 2 (n 4): se² = 1 + 1, t = 2/√2; df = 2² / (1²/3 + 1²/3) = 6
    t, df, p = welch_ttest(5, 2, 4, 3, 2, 4)
    assert (t, df) == pytest.approx((math.sqrt(2), 6.0))
    assert p == pytest.approx(2 * st.t.sf(math.sqrt(2), 6))


def test_welch_matches_scipy_on_raw_samples():
    rng = np.random.default_rng(23)
    for size1, size2 in [(2, 3), (8, 30), (200, 150)]:
        a, b = rng.lognormal(3, 1, size1), rng.lognormal(3.1, 0.6, size2)
        ours = welch_ttest(a.mean(), a.std(ddof=1), size1, b.mean(), b.std(ddof=1), size2)
        ref = st.ttest_ind(a, b, equal_var=False)
        assert ours == pytest.approx((ref.statistic, ref.df, ref.pvalue), rel=1e-10)
        interval = mean_difference_interval(a.mean(), a.std(ddof=1), size1, b.mean(), b.std(ddof=1), size2, 0.9)
        assert interval == pytest.approx(tuple(ref.confidence_interval(0.9)), rel=1e-10)


def test_welch_edges():
    t, df, p = welch_ttest([1, 1, 1], [1, 0, 1], [1, 5, 5], [2, 1, 2], [1, 0, np.nan], [5, 5, 5])
    assert np.isnan(t).all() and np.isnan(df).all() and np.isnan(p).all()
    assert all(math.isnan(v) for v in mean_difference_interval(1, 0, 5, 1, 0, 5))
    # one group without variation is still a test: all the uncertainty is in the other group
    t, df, p = welch_ttest(2, 0, 5, 1, 1, 5)
    assert df == pytest.approx(4.0) and t == pytest.approx(1 / math.sqrt(0.2))


def test_nps_difference_by_hand():
    # A: 5 prom, 3 det of 10 → NPS 20, var(d) = (.8 − .04)/10 = .076
    # B: 2 prom, 2 det of 10 → NPS 0,  var(d) = (.4 − 0)/10 = .04
    se = 100 * math.sqrt(0.076 + 0.04)
    z, p = nps_difference_ztest(5, 3, 10, 2, 2, 10)
    assert z == pytest.approx(20 / se) and p == pytest.approx(2 * st.norm.sf(20 / se))
    assert nps_difference_interval(5, 3, 10, 2, 2, 10, Z2) == pytest.approx((20 - 2 * se, 20 + 2 * se))


def test_nps_difference_coverage():
    rng = np.random.default_rng(24)
    a = rng.multinomial(150, [0.5, 0.2, 0.3], size=2000)
    b = rng.multinomial(120, [0.4, 0.25, 0.35], size=2000)
    low, high = nps_difference_interval(a[:, 0], a[:, 1], 150, b[:, 0], b[:, 1], 120)
    assert 0.93 <= np.mean((low <= 15) & (15 <= high)) <= 0.97  # true difference 30 − 15


def test_nps_difference_edges():
    z, p = nps_difference_ztest([0, 10], [0, 0], [0, 10], [5, 10], [1, 0], [10, 10])
    assert np.isnan(z).all() and np.isnan(p).all()  # an empty group; two groups of all promoters


def test_proportion_difference_matches_statsmodels_newcombe():
    rng = np.random.default_rng(25)
    n1, n2 = rng.integers(1, 800, size=(2, 200))
    x1, x2 = rng.binomial(n1, 0.1), rng.binomial(n2, 0.9)
    ours = proportion_difference_interval(x1, n1, x2, n2, 0.9)
    for i in range(200):
        ref = confint_proportions_2indep(x1[i], n1[i], x2[i], n2[i], method="newcomb", compare="diff", alpha=0.1)
        assert (ours[0][i], ours[1][i]) == pytest.approx(ref, rel=1e-10, abs=1e-14)


def test_proportion_difference_edges():
    assert all(math.isnan(v) for v in proportion_difference_interval(0, 0, 3, 10))
    low, high = proportion_difference_interval(10, 10, 0, 10)  # all vs none: still an interval
    assert 0.5 < low < high == 1.0


def test_difference_interval_and_ztest_by_hand():
    # 3 ± 1 vs 1 ± 1: se = √2; z = 2/√2; interval with z=2: 2 ± 2√2
    assert difference_ztest(3, 1, 1, 1)[0] == pytest.approx(math.sqrt(2))
    assert difference_interval(3, 1, 1, 1, Z2) == pytest.approx((2 - 2 * math.sqrt(2), 2 + 2 * math.sqrt(2)))
    assert all(math.isnan(v) for v in difference_interval(3, 0, 1, 0))


def test_relative_lift_by_hand():
    # .3 ± .03 vs .2 ± .02: lift .5; var = .0009/.04 + .09 · .0004/.0016 = .0225 + .0225 = .045
    lift, low, high = relative_lift(0.3, 0.03, 0.2, 0.02, Z2)
    half = 2 * math.sqrt(0.045)
    assert (lift, low, high) == pytest.approx((0.5, 0.5 - half, 0.5 + half))


def test_relative_lift_coverage():
    # means of two normal samples: the delta-method interval for μ₁/μ₂ − 1 covers at about 95%
    rng = np.random.default_rng(26)
    a, b = rng.normal(12, 4, size=(2000, 200)), rng.normal(10, 4, size=(2000, 200))
    se_a, se_b = a.std(axis=1, ddof=1) / math.sqrt(200), b.std(axis=1, ddof=1) / math.sqrt(200)
    _, low, high = relative_lift(a.mean(axis=1), se_a, b.mean(axis=1), se_b)
    assert 0.93 <= np.mean((low <= 0.2) & (0.2 <= high)) <= 0.97


def test_relative_lift_needs_a_positive_baseline():
    lift, low, high = relative_lift([5, 5, 5], [1, 1, 0], [0, -10, 4], [1, 1, 0])
    assert np.isnan(lift[:2]).all() and np.isnan(low).all() and np.isnan(high).all()
    assert lift[2] == pytest.approx(0.25)  # a known lift without any variation has no interval


@settings(max_examples=50, deadline=None)
@given(*(hst.integers(0, 400) for _ in range(4)))
def test_proportion_difference_contains_estimate_within_range(x1, extra1, x2, extra2):
    n1, n2 = x1 + extra1, x2 + extra2
    low, high = proportion_difference_interval(x1, n1, x2, n2)
    if n1 == 0 or n2 == 0:
        assert math.isnan(low) and math.isnan(high)
    else:
        assert -1.0 - 1e-12 <= low <= x1 / n1 - x2 / n2 <= high <= 1.0 + 1e-12
        _, p = two_proportion_ztest(x1, n1, x2, n2)
        assert math.isnan(p) or 0.0 <= p <= 1.0


def test_proportion_and_mean_difference_coverage():
    rng = np.random.default_rng(27)
    x1, x2 = rng.binomial(80, 0.3, 2000), rng.binomial(60, 0.2, 2000)
    low, high = proportion_difference_interval(x1, 80, x2, 60)
    assert 0.93 <= np.mean((low <= 0.1) & (0.1 <= high)) <= 0.97
    a, b = rng.exponential(5, size=(2000, 40)), rng.exponential(3, size=(2000, 25))
    low, high = mean_difference_interval(a.mean(1), a.std(1, ddof=1), 40, b.mean(1), b.std(1, ddof=1), 25)
    assert 0.92 <= np.mean((low <= 2) & (2 <= high)) <= 0.97  # skewed data: a little under nominal

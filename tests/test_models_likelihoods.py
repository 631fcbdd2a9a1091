"""The fits' summed likelihoods: equal to the row-by-row papers' formulas, gradients equal to central
differences, and moment starting points near the truth on simulated data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import models_reference as ref
from crmctl.models import bgnbd, gamma_gamma
from crmctl.models.inputs import distinct_rows
from crmctl.models.likelihoods import BgNbdLikelihood, GammaGammaLikelihood

DATA = Path(__file__).parent / "data" / "models"


@pytest.fixture(scope="module")
def cdnow():
    d = np.genfromtxt(DATA / "cdnow_customers_summary.csv", delimiter=",", names=True)
    return bgnbd.compress(d["frequency"], d["recency"], d["T"])


@pytest.fixture(scope="module")
def spend():
    d = np.genfromtxt(DATA / "cdnow_customers_summary_with_transactions.csv", delimiter=",", names=True)
    keep = (d["x"] > 0) & (d["zbar"] > 0)
    return distinct_rows(d["x"][keep], d["zbar"][keep])


def central_differences(f, params, step=1e-6):
    params = np.asarray(params, dtype=float)
    return np.array([(f(params + step * p * e) - f(params - step * p * e)) / (2 * step * p)
                     for p, e in zip(params, np.eye(len(params)))])


@pytest.mark.parametrize("params", [(0.243, 4.414, 0.793, 2.426), (2.0, 30.0, 0.3, 8.0), (0.05, 0.5, 3.0, 0.6)])
def test_bgnbd_sum_and_gradient(cdnow, params):
    x, t_x, T, w = cdnow
    likelihood = BgNbdLikelihood(x, t_x, T, w)
    value, gradient = likelihood.value_and_gradient(params)
    assert value == pytest.approx(float(np.sum(w * bgnbd.log_likelihood(*params, x, t_x, T))), rel=1e-12)
    numeric = central_differences(lambda p: likelihood.value_and_gradient(p)[0], params)
    assert gradient == pytest.approx(numeric, rel=1e-5, abs=1e-4)


def test_bgnbd_sum_matches_plain_python_on_a_few_rows():
    rows = [(0, 0.0, 10.0, 3.0), (1, 2.5, 10.0, 1.0), (4, 9.0, 12.0, 2.0), (30, 50.0, 52.0, 1.0)]
    x, t_x, T, w = (np.array(c, dtype=float) for c in zip(*rows))
    params = (0.5, 6.0, 0.7, 3.0)
    expected = sum(wi * ref.log_likelihood(*params, *row) for *row, wi in rows)
    assert BgNbdLikelihood(x, t_x, T, w).value_and_gradient(params)[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("params", [(6.25, 3.74, 15.44), (1.0, 1.0, 30.0), (20.0, 0.8, 2.0)])
def test_gamma_gamma_sum_and_gradient(spend, params):
    x, m, w = spend
    likelihood = GammaGammaLikelihood(x, m, w)
    value, gradient = likelihood.value_and_gradient(params)
    assert value == pytest.approx(float(np.sum(w * gamma_gamma.log_likelihood(*params, x, m))), rel=1e-12)
    numeric = central_differences(lambda p: likelihood.value_and_gradient(p)[0], params)
    assert gradient == pytest.approx(numeric, rel=1e-5, abs=1e-4)


def test_gamma_gamma_moment_start_is_near_the_truth():
    # ν ~ Gamma(q, rate v); a mean of x transactions Gamma(p, rate ν) is Gamma(p x, rate x ν).
    rng = np.random.default_rng(5)
    p, q, v = 6.0, 4.0, 15.0
    x = rng.integers(1, 10, 50_000).astype(float)
    nu = rng.gamma(q, 1 / v, len(x))
    m = rng.gamma(p * x, 1 / (x * nu))
    start = gamma_gamma._moment_start(x, m, np.ones(len(x)))
    assert start == pytest.approx([p, q, v], rel=0.5)  # a start, not an estimate: q = 4 leaves Var(z̄) noisy
    fit = gamma_gamma.fit_gamma_gamma(x, m)
    assert [fit.p, fit.q, fit.v] == pytest.approx([p, q, v], rel=0.1)


def test_bgnbd_moment_start_is_the_observed_repeat_rate():
    start = bgnbd._moment_start(np.array([0.0, 2.0, 4.0]), np.array([10.0, 20.0, 30.0]), np.array([1.0, 1.0, 2.0]))
    # r/α = Σx / ΣT = 10 / 90.
    assert start.tolist() == pytest.approx([1.0, 9.0, 1.0, 1.0])


def test_distinct_rows_sum_weights():
    x, m, w = distinct_rows(np.array([2.0, 1.0, 2.0, 2.0]), np.array([5.0, 5.0, 5.0, 6.0]),
                            weights=np.array([1.0, 2.0, 3.0, 4.0]))
    assert x.tolist() == [1.0, 2.0, 2.0] and m.tolist() == [5.0, 5.0, 6.0] and w.tolist() == [2.0, 4.0, 4.0]

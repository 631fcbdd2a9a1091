"""BG/NBD: the CDNOW reference fit, the paper's worked example, a plain-Python differential
test, a simulation that recovers known parameters, stability and refusals."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import models_reference as ref
from crmctl.errors import DataError
from crmctl.models import ModelError
from crmctl.models.bgnbd import (
    BgNbdFit, compress, expected_purchases, expected_purchases_new, fit_bgnbd, log_likelihood, p_alive,
)

DATA = Path(__file__).parent / "data" / "models"
# FHL (2005) Table/eq. (10) example and lifetimes' docs: CDNOW 1/10 sample, 39 weeks calibration.
CDNOW = BgNbdFit(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=-9582.4, n_customers=2357,
                 converged=True, time_unit="week")


@pytest.fixture(scope="module")
def cdnow():
    d = np.genfromtxt(DATA / "cdnow_customers_summary.csv", delimiter=",", names=True)
    return d["frequency"], d["recency"], d["T"]


@pytest.fixture(scope="module")
def cdnow_fit(cdnow):
    return fit_bgnbd(*compress(*cdnow), time_unit="week")


def test_cdnow_parameters_match_the_paper_within_one_percent(cdnow_fit):
    for name in ("r", "alpha", "a", "b"):
        assert getattr(cdnow_fit, name) == pytest.approx(getattr(CDNOW, name), rel=0.01), name
    assert cdnow_fit.log_likelihood == pytest.approx(-9582.4, abs=0.1)
    assert cdnow_fit.n_customers == 2357
    assert cdnow_fit.converged and cdnow_fit.time_unit == "week"


def test_compressed_rows_fit_the_same_as_one_row_per_customer(cdnow, cdnow_fit):
    x, t_x, T, weights = compress(*cdnow)
    assert len(x) < 2357 and weights.sum() == 2357
    full = fit_bgnbd(*cdnow, time_unit="week")
    assert full.log_likelihood == pytest.approx(cdnow_fit.log_likelihood, abs=1e-6)
    assert full.r == pytest.approx(cdnow_fit.r, rel=1e-4)


def test_the_papers_worked_example():
    # FHL (2005), section 5: E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226.
    assert expected_purchases(CDNOW, 39, 2, 30.43, 38.86)[0] == pytest.approx(1.226, abs=0.0005)


def test_unconditional_expectation_is_zero_at_zero_and_rises():
    values = expected_purchases_new(CDNOW, np.array([0.0, 1.0, 39.0, 78.0]))
    assert values[0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(values) > 0)
    assert values[2] == pytest.approx(ref.expected_purchases_new(0.243, 4.414, 0.793, 2.426, 39.0), rel=1e-9)


def test_customer_with_no_repeat_purchase_is_alive():
    assert p_alive(CDNOW, [0, 0], [0, 0], [1, 100]).tolist() == [1.0, 1.0]


params = st.fixed_dictionaries({
    "r": st.floats(0.1, 3), "alpha": st.floats(0.5, 50),
    "a": st.floats(0.2, 3).filter(lambda a: abs(a - 1) > 0.05), "b": st.floats(0.5, 5),
})


@settings(max_examples=50, deadline=None)
@given(params, st.integers(0, 20), st.floats(0, 1), st.floats(1, 100), st.floats(0.5, 60))
def test_matches_the_closed_forms_in_plain_python(p, x, recency_share, T, t):
    fit = BgNbdFit(**p, log_likelihood=0.0, n_customers=1, converged=True, time_unit="week")
    assume(abs(p["a"] + p["b"] - 1) > 0.05)  # the printed series has a pole there; tested below
    t_x = recency_share * T if x else 0.0
    args = (p["r"], p["alpha"], p["a"], p["b"])
    assert p_alive(fit, x, t_x, T)[0] == pytest.approx(ref.p_alive(*args, x, t_x, T), rel=1e-10)
    assert expected_purchases(fit, t, x, t_x, T)[0] == pytest.approx(
        ref.expected_purchases(*args, t, x, t_x, T), rel=1e-7, abs=1e-12)
    assert expected_purchases_new(fit, t) == pytest.approx(ref.expected_purchases_new(*args, t), rel=1e-7)
    assert log_likelihood(*args, x, t_x, T) == pytest.approx(ref.log_likelihood(*args, x, t_x, T), rel=1e-9)


@pytest.mark.parametrize(("a", "b"), [(1.0, 2.0), (0.4, 0.6)])
def test_expectations_are_continuous_through_the_formulas_poles(a, b):
    # a = 1 divides by zero in eq. (9)/(10); a + b = 1 puts 2F1's third argument at 0 for x = 0.
    def at(a_, b_):
        fit = BgNbdFit(0.5, 5.0, a_, b_, 0.0, 1, True, "week")
        return expected_purchases(fit, 10.0, 0, 0.0, 20.0)[0], float(expected_purchases_new(fit, 10.0))

    exact, nearby = at(a, b), at(a - 1e-4, b + 2e-4)
    assert np.all(np.isfinite(exact)) and exact == pytest.approx(nearby, rel=1e-3)


def test_simulated_customers_give_back_their_parameters():
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.7, "b": 3.0}
    rng = np.random.default_rng(20050101)
    T = rng.uniform(52, 104, 20_000).round(1)
    x, t_x, T = ref.simulate_bgnbd(rng, 20_000, **truth, T=T)
    fit = fit_bgnbd(*compress(x, t_x.round(2), T), time_unit="week")
    for name, value in truth.items():
        assert getattr(fit, name) == pytest.approx(value, rel=0.06), name  # measured: within 2%
    # The quantity the integration uses is pinned far tighter than any one parameter.
    horizon = 52.0
    simulated_new = ref.simulate_bgnbd(np.random.default_rng(7), 20_000, **truth, T=horizon)[0].mean()
    assert float(expected_purchases_new(fit, horizon)) == pytest.approx(simulated_new, rel=0.05)


def test_heavy_buyer_over_ten_years_is_finite():
    x, t_x, T = 5000.0, 519.0, 520.0
    assert np.isfinite(log_likelihood(CDNOW.r, CDNOW.alpha, CDNOW.a, CDNOW.b, x, t_x, T))
    alive = p_alive(CDNOW, x, t_x, T)[0]
    assert 0.0 <= alive <= 1.0
    assert 0.0 <= p_alive(CDNOW, x, 100.0, T)[0] <= 1e-100 + 1e-300
    future = expected_purchases(CDNOW, 52, x, t_x, T)[0]
    assert np.isfinite(future) and 0 < future < 52 * x / T * 1.5


def test_compress_reduces_a_large_simulated_base_to_distinct_rows():
    # Two years of weekly cohorts, recency to the week: the resolution a weekly model uses.
    rng = np.random.default_rng(3)
    x, t_x, T = ref.simulate_bgnbd(rng, 100_000, 0.3, 4.0, 0.8, 2.5, T=rng.integers(1, 105, 100_000) / 1.0)
    rows = compress(x, t_x.round(0), T)
    assert len(rows[0]) < 100_000 / 3 and rows[3].sum() == 100_000
    assert np.all(rows[1] <= rows[2])


def test_too_few_repeat_customers_says_how_many_and_what_is_needed():
    x = np.array([1] * 12 + [0] * 500, dtype=float)
    with pytest.raises(ModelError, match="12 customers with a repeat purchase; BG/NBD needs at least 30") as info:
        fit_bgnbd(x, np.where(x > 0, 5.0, 0.0), np.full(512, 10.0), time_unit="week")
    assert isinstance(info.value, DataError)


def test_weights_count_customers_for_the_minimum():
    with pytest.raises(ModelError, match="29 customers"):
        fit_bgnbd([0, 1, 2], [0, 3, 4], [10, 10, 10], weights=[100, 20, 9], time_unit="week")


@pytest.mark.parametrize(("x", "t_x", "T", "message"), [
    ([1.5], [1.0], [2.0], "whole number"),
    ([1.0], [3.0], [2.0], "0 ≤ t_x ≤ T"),
    ([1.0], [1.0], [0.0], "T > 0"),
    ([1.0], [math.nan], [2.0], "missing or infinite"),
    ([1.0, 2.0], [1.0], [2.0], "different lengths"),
])
def test_bad_summaries_are_refused(x, t_x, T, message):
    with pytest.raises(ModelError, match=message):
        fit_bgnbd(x, t_x, T, time_unit="day")


def test_non_convergence_is_an_error_not_a_silent_answer():
    # Nobody ever drops out and everyone buys at one steady rate: a and b run off to the edge.
    x = np.full(200, 10.0)
    with pytest.raises(ModelError, match="did not converge"):
        fit_bgnbd(x, np.full(200, 100.0), np.full(200, 100.0), time_unit="day")
    fit = fit_bgnbd(x, np.full(200, 100.0), np.full(200, 100.0), time_unit="day", require_convergence=False)
    assert not fit.converged


def test_compress_equals_numpy_unique_on_rows():
    rng = np.random.default_rng(11)
    x = rng.integers(0, 4, 5000) * 1.0
    t_x = np.where(x > 0, rng.integers(0, 20, 5000), 0) * 1.0
    T = t_x + rng.integers(1, 5, 5000)
    rows, counts = np.unique(np.column_stack([x, t_x, T]), axis=0, return_counts=True)
    got = compress(x, t_x, T)
    assert np.array_equal(np.column_stack(got[:3]), rows) and np.array_equal(got[3], counts)
    assert [len(a) for a in compress([], [], [])] == [0, 0, 0, 0]


def test_a_tight_beta_gives_finite_expectations_without_warnings():
    # The sample's fit to 2024-12-31: a and b so large that Euler's form meets 0 · inf (a numpy
    # RuntimeWarning and a nan); the plain series of models_reference is the independent answer.
    fit = BgNbdFit(r=12.2656, alpha=72.9561, a=129534.4, b=1590413.4, log_likelihood=0.0, n_customers=338,
                   converged=True, time_unit="week")
    args = (fit.r, fit.alpha, fit.a, fit.b)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = float(expected_purchases_new(fit, 25.857))
        later = expected_purchases(fit, 25.857, 5, 40.0, 50.0)[0]
    assert new == pytest.approx(ref.expected_purchases_new(*args, 25.857), rel=1e-7)
    assert later == pytest.approx(ref.expected_purchases(*args, 25.857, 5, 40.0, 50.0), rel=1e-7)

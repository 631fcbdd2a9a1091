"""Gamma-Gamma: the CDNOW reference fit, the conditional mean by hand, correlation, refusals."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from crmctl.models import ModelError
from crmctl.models.gamma_gamma import (
    GammaGammaFit, conditional_expected_value, fit_gamma_gamma, frequency_value_correlation, log_likelihood,
)

DATA = Path(__file__).parent / "data" / "models"


@pytest.fixture(scope="module")
def cdnow():
    d = np.genfromtxt(DATA / "cdnow_customers_summary_with_transactions.csv", delimiter=",", names=True)
    return d["x"], d["zbar"]


def test_cdnow_parameters_match_the_reference_within_one_percent(cdnow):
    fit = fit_gamma_gamma(*cdnow)
    assert fit.n_customers == 946  # the repeat customers; the other 1,411 are left out
    assert fit.p == pytest.approx(6.25, rel=0.01)
    assert fit.q == pytest.approx(3.74, rel=0.01)
    assert fit.v == pytest.approx(15.44, rel=0.01)
    assert fit.converged


def test_weights_fit_the_same_as_repeated_rows(cdnow):
    x, m = cdnow
    rows, counts = np.unique(np.column_stack([x, m]), axis=0, return_counts=True)
    assert fit_gamma_gamma(rows[:, 0], rows[:, 1], counts).p == pytest.approx(fit_gamma_gamma(x, m).p, rel=1e-4)


def test_conditional_mean_by_hand():
    fit = GammaGammaFit(p=6.0, q=4.0, v=15.0, log_likelihood=0.0, n_customers=1, converged=True)
    # (v + x z̄) p / (p x + q - 1): x=2, z̄=20 → 55·6/15 = 22; x=0 → the population mean 90/3 = 30.
    assert conditional_expected_value(fit, [2, 0], [20, 99]).tolist() == pytest.approx([22.0, 30.0])
    assert fit.population_mean_value == pytest.approx(30.0)
    # Many purchases: the customer's own mean dominates.
    assert conditional_expected_value(fit, [1000], [20])[0] == pytest.approx(20.0, rel=0.01)


def test_no_population_mean_when_q_is_at_most_one():
    fit = GammaGammaFit(p=2.0, q=0.5, v=10.0, log_likelihood=0.0, n_customers=1, converged=True)
    assert fit.population_mean_value is None
    assert math.isnan(conditional_expected_value(fit, [0], [0])[0])


def test_log_likelihood_is_a_density_of_the_mean():
    # x = 1: z̄ is one transaction, Gamma(p, ν) with ν ~ Gamma(q, v): a Lomax-type density that integrates to 1.
    from scipy.integrate import quad

    total, _ = quad(lambda z: math.exp(log_likelihood(3.0, 2.5, 10.0, 1.0, z)), 0, np.inf)
    assert total == pytest.approx(1.0, abs=1e-6)
    total_x3, _ = quad(lambda z: math.exp(log_likelihood(3.0, 2.5, 10.0, 3.0, z)), 0, np.inf)
    assert total_x3 == pytest.approx(1.0, abs=1e-6)


def test_correlation_uses_repeat_customers_only():
    x = np.array([0, 0, 1, 2, 3, 4])
    m = np.array([500, 0, 10, 20, 30, 40])
    assert frequency_value_correlation(x, m) == pytest.approx(1.0)
    assert frequency_value_correlation([1, 1, 1], [5, 6, 7]) is None  # constant frequency
    assert frequency_value_correlation([1, 2], [5, 6]) is None  # too few


def test_cdnow_correlation_is_weak(cdnow):
    # lifetimes' docs report about 0.11 for this sample: the model's independence assumption holds.
    assert frequency_value_correlation(*cdnow) == pytest.approx(0.1139, abs=0.001)


def test_too_few_repeat_customers_is_refused_with_counts():
    x = np.array([1] * 20 + [0] * 80)
    with pytest.raises(ModelError, match="20 repeat customers with a positive mean order value \\(of 100\\)"):
        fit_gamma_gamma(x, np.where(x > 0, 25.0, 0.0))

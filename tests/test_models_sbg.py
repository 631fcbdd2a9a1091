"""sBG: the 2007 paper's cohorts, its projections, DERL against a direct sum, refusals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import models_reference as ref
from crmctl.models import ModelError
from crmctl.models.sbg import (
    SbgFit, discounted_expected_residual_lifetime, fit_sbg, log_likelihood, retention_rate, survival,
)

# Fader & Hardie (2007), Table 1 / Figure 1: customers alive at the start of years 1..13.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


@pytest.mark.parametrize(("cohort", "alpha", "beta"), [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)])
def test_seven_year_fit_matches_the_paper(cohort, alpha, beta):
    fit = fit_sbg(cohort[:8])
    assert fit.alpha == pytest.approx(alpha, rel=0.01)
    assert fit.beta == pytest.approx(beta, rel=0.01)
    assert fit.n_customers == 1000 and fit.converged


def test_projection_to_year_twelve_tracks_the_held_out_years():
    # The paper's point: 7 years of data project years 8-12 within a few customers.
    fit = fit_sbg(REGULAR[:8])
    projected = 1000 * survival(fit, np.arange(8, 13))
    assert np.abs(projected - np.array(REGULAR[8:])).max() < 10


def test_survival_and_retention_by_hand():
    fit = SbgFit(alpha=1.0, beta=1.0, log_likelihood=0.0, n_customers=1)
    # θ ~ Uniform(0,1): S(t) = 1/(t+1), r_t = t/(t+1).
    assert survival(fit, [0, 1, 2, 3]) == pytest.approx([1, 1 / 2, 1 / 3, 1 / 4])
    assert retention_rate(fit, [1, 2, 3]) == pytest.approx([1 / 2, 2 / 3, 3 / 4])
    # One period: 500 of 1000 churn at P(T=1) = 1/2, 500 survive at S(1) = 1/2.
    assert log_likelihood(1.0, 1.0, np.array([1000.0, 500.0])) == pytest.approx(1000 * np.log(0.5))


def test_retention_rate_is_survival_ratio():
    fit = fit_sbg(HIGH_END[:8])
    t = np.arange(1, 13)
    assert retention_rate(fit, t) == pytest.approx(survival(fit, t) / survival(fit, t - 1))
    with pytest.raises(ModelError, match="from period 1"):
        retention_rate(fit, [0])


@settings(max_examples=50, deadline=None)
@given(st.floats(0.2, 5), st.floats(0.2, 10), st.floats(0.01, 0.5), st.integers(0, 30))
def test_derl_closed_form_equals_the_discounted_sum(alpha, beta, discount, renewals):
    fit = SbgFit(alpha=alpha, beta=beta, log_likelihood=0.0, n_customers=1)
    assert discounted_expected_residual_lifetime(fit, discount, renewals) == pytest.approx(
        ref.derl_sum(alpha, beta, discount, renewals), rel=1e-7)


def test_derl_grows_with_tenure_and_shrinks_with_discounting():
    fit = fit_sbg(REGULAR[:8])
    values = discounted_expected_residual_lifetime(fit, 0.1, np.array([0, 1, 4, 10]))
    assert np.all(np.diff(values) > 0)  # survivors are the loyal ones: the paper's main point
    assert discounted_expected_residual_lifetime(fit, 0.2, 4) < values[2]


def test_derl_refuses_no_discounting():
    with pytest.raises(ModelError, match="positive per-period discount rate"):
        discounted_expected_residual_lifetime(SbgFit(0.7, 1.2, 0.0, 1), 0.0, 0)


@pytest.mark.parametrize(("survivors", "message"), [
    ([1000, 600], "at least 2 later periods"),
    ([1000, 600, 700], "never increase"),
    ([0, 0, 0], "cohort size"),
    ([100, 100, 100], "no customer of this cohort has churned"),
])
def test_unusable_cohorts_are_refused(survivors, message):
    with pytest.raises(ModelError, match=message):
        fit_sbg(survivors)


def test_derl_of_repeated_renewal_counts_is_each_counts_value_exactly():
    # Each distinct count is computed once and gathered: every value is the one its count gives alone.
    fit = SbgFit(alpha=0.8, beta=2.5, log_likelihood=0.0, n_customers=100)
    renewals = np.array([[3, 0, 3], [7, 0, 3]])
    values = discounted_expected_residual_lifetime(fit, 0.008, renewals)
    assert values.shape == (2, 3)
    alone = {n: float(discounted_expected_residual_lifetime(fit, 0.008, n)) for n in (0, 3, 7)}
    assert values.tolist() == [[alone[3], alone[0], alone[3]], [alone[7], alone[0], alone[3]]]
    assert [alone[n] for n in (0, 3, 7)] == pytest.approx([ref.derl_sum(0.8, 2.5, 0.008, n) for n in (0, 3, 7)],
                                                          rel=1e-7)
    assert isinstance(discounted_expected_residual_lifetime(fit, 0.008, 3), float)

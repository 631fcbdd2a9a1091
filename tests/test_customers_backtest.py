"""The at-risk backtest and fitted weights: counts against plain Python, the L2 logistic fit against
statsmodels and a plain Newton iteration, a planted effect recovered, and the sample data end to end."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import polars as pl
import pytest

from crmctl.customers.at_risk.backtest import churned_after, counts
from crmctl.customers.at_risk.weights import fit_logistic
from tests.conftest import SAMPLE_CONFIG

FORMATS = ("table", "csv", "json", "markdown")


def plain_counts(flags, churned):
    n = len(flags)
    f = sum(flags)
    c = sum(churned)
    hit = sum(1 for a, b in zip(flags, churned) if a and b)
    precision = hit / f if f else None
    base = c / n if n else None
    return n, f, c, hit, precision, hit / c if c else None, base, precision / base if precision and base else None


@pytest.mark.parametrize("seed", range(8))
def test_counts_match_plain_python_on_generated_data(seed):
    rng = random.Random(seed)
    n = rng.choice([0, 1, 5, 200])
    flags = [rng.random() < rng.random() for _ in range(n)]
    churned = [rng.random() < 0.2 for _ in range(n)]
    got = counts("rule", pl.DataFrame({"f": flags, "churned": churned}, schema={"f": pl.Boolean, "churned": pl.Boolean}))
    want = plain_counts(flags, churned)
    assert got[1:5] == want[:4]
    for a, b in zip(got[5:9], want[4:]):
        assert (a is None and b is None) or a == pytest.approx(b)


def test_counts_by_hand_and_null_with_a_note():
    frame = pl.DataFrame({"f": [True, True, False, False, False], "churned": [True, False, True, False, False]})
    assert counts("x", frame) == ("x", 5, 2, 2, 1, 0.5, 0.5, 0.4, 1.25, None)
    none = pl.DataFrame({"f": [False, False], "churned": [False, False]})
    assert counts("x", none) == ("x", 2, 0, 0, 0, None, None, 0.0, None, "nobody flagged; nobody churned")


def test_churned_after_is_the_active_spell_ending_within_the_horizon():
    d = dt.date(2025, 1, 31)
    ts = dt.datetime
    spells = pl.DataFrame({
        "customer_id": ["a", "b", "c", "d", "e"],
        "start": [ts(2024, 1, 1), ts(2024, 1, 1), ts(2024, 1, 1), ts(2024, 1, 1), ts(2025, 2, 5)],
        "end": [ts(2025, 3, 1), ts(2025, 8, 1, 0, 0, 1), None, ts(2025, 8, 1), None],
    })
    got = dict(churned_after(spells, d, dt.date(2025, 7, 31)).iter_rows())
    # a ends in the horizon; b a second after its end; c open; d ends at the end of the horizon's last day;
    # e was not active on D (acquired later) and has no row.
    assert got == {"a": True, "b": False, "c": False, "d": True}


def planted(n=600, seed=3):
    rng = np.random.default_rng(seed)
    x = (rng.random((n, 3)) < [0.3, 0.5, 0.2]).astype(float)
    eta = -1.5 + 1.8 * x[:, 0] - 1.0 * x[:, 1] + 0.0 * x[:, 2]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    return x, y


def newton(z, y, l2, steps=50):
    """A plain Newton iteration on the same penalised log-likelihood (intercept unpenalised)."""
    design = np.c_[np.ones(len(y)), z]
    beta = np.zeros(design.shape[1])
    penalty = np.diag([0.0] + [l2] * z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ beta))
        gradient = design.T @ (y - p) - penalty @ beta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        beta = beta + np.linalg.solve(hessian, gradient)
    return beta


@pytest.mark.parametrize("l2", [0.0, 1.0, 25.0])
def test_logistic_fit_matches_newton_and_statsmodels(l2):
    import statsmodels.api as sm

    x, y = planted()
    fit = fit_logistic(x, y, l2)
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    reference = newton(z, y, l2)
    assert np.allclose(fit.standardised, reference[1:], atol=1e-4)
    # statsmodels' elastic net minimises −LL/n + α‖β‖²/2 (L1_wt = 0): α = λ/n, 0 for the constant.
    model = sm.GLM(y, sm.add_constant(z), family=sm.families.Binomial())
    alpha = np.r_[0.0, [l2 / len(y)] * 3]
    if l2:
        params = model.fit_regularized(method="elastic_net", alpha=alpha, L1_wt=0.0).params
    else:
        params = model.fit().params
    assert np.allclose(fit.standardised, params[1:], atol=2e-3)
    # Back on the 0/1 scale the same linear predictor: intercept + Σ weight × x.
    eta = reference[0] + z @ reference[1:]
    assert np.allclose(fit.intercept + x @ np.array(fit.weights), eta, atol=1e-3)


def test_logistic_fit_recovers_the_planted_signs_and_shrinks_with_l2():
    x, y = planted(n=2000)
    fit = fit_logistic(x, y, 1.0)
    assert fit.weights[0] > 1.0 and fit.weights[1] < -0.5 and abs(fit.weights[2]) < 0.4
    strong = fit_logistic(x, y, 500.0)
    assert all(abs(s) < abs(w) for s, w in zip(strong.standardised, fit.standardised))


def test_a_signal_that_never_fires_gets_weight_zero():
    x, y = planted()
    x[:, 2] = 0.0
    fit = fit_logistic(x, y, 1.0)
    assert fit.weights[2] == 0.0 and fit.standardised[2] == 0.0


@pytest.fixture(scope="module")
def sample_list():
    from crmctl.config import load_config
    from crmctl.customers.at_risk.listing import build_at_risk
    from crmctl.customers.at_risk.score import AtRiskSpec

    return build_at_risk(load_config(SAMPLE_CONFIG), AtRiskSpec(top=5, by=("segment",)))


@pytest.mark.parametrize("fmt", FORMATS)
def test_sample_list_renders_in_every_format(sample_list, fmt):
    from crmctl.render import Format
    from crmctl.render.registry import render

    rows, meta = sample_list.rows, sample_list.meta
    text = render(sample_list, Format(fmt))
    first = rows.row(0, named=True)
    assert first["customer_id"] in text and first["reasons"][0] in text
    if fmt == "csv":
        assert "; ".join(first["reasons"]) in text and text.splitlines()[0].startswith(
            "customer_id,segment,score,value_at_risk,value_basis,reasons,")


def test_sample_cli_list_json_matches_the_library(cli, sample_list):
    result = cli("customers", "-c", str(SAMPLE_CONFIG), "--at-risk", "--by", "segment", "--top", "5", "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    rows, meta = sample_list
    assert [r["customer_id"] for r in data["rows"]] == rows["customer_id"].to_list()
    assert data["rows"][0]["reasons"] == rows["reasons"][0].to_list()
    scores = [(-r["score"], -(r["value_at_risk"] or 0)) for r in data["rows"]]
    assert scores == sorted(scores) and all(r["score"] >= 1 for r in data["rows"])
    assert data["meta"]["active_customers"] == 468 and data["meta"]["signals"][:2] == ["order_gap", "p_alive"]


def test_sample_backtest_and_fit(cli):
    args = ("customers", "-c", str(SAMPLE_CONFIG), "--at-risk", "--as-of", "2024-12-31", "--horizon", "6m")
    result = cli(*args, "--backtest", "-f", "json")
    assert result.exit_code == 0, result.stderr
    first = result.json()["rows"][0]
    assert first["rule"] == "score ≥ 2" and first["customers"] == 327
    assert first["precision"] == pytest.approx(first["flagged_churned"] / first["flagged"])
    assert first["lift"] == pytest.approx(first["precision"] / first["base_rate"])
    fit = cli(*args, "--fit-weights", "--top", "3")
    assert fit.exit_code == 0, fit.stderr
    assert fit.stdout.startswith("risk:\n  weights:\n    order_gap: ") and "contribution_engagement" in fit.stdout
    late = cli("customers", "-c", str(SAMPLE_CONFIG), "--at-risk", "--as-of", "2025-03-31", "--backtest")
    assert late.exit_code == 2 and "after the data's last day 2025-06-30" in late.stderr
    alone = cli("customers", "-c", str(SAMPLE_CONFIG), "--backtest")
    assert alone.exit_code == 2 and "go with --at-risk" in alone.stderr

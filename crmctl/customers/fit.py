"""Fits BG/NBD and Gamma-Gamma on a customer summary and adds their per-customer predictions.

A model that cannot be fitted (too few repeat customers, no convergence) leaves its columns null
and says why in `warnings`; the descriptive columns stand on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from crmctl.customers.summary import summarise
from crmctl.models import ModelError

TIME_UNIT = "week"
WEEKS_PER_YEAR = 365.25 / 7
CORRELATION_LIMIT = 0.3  # above this the Gamma-Gamma independence assumption is in doubt
MODEL_COLUMNS = ["p_alive", "expected_orders", "expected_order_value", "predicted_clv", "clv_basis", "clv_note"]


@dataclass
class Fitted:
    bg_nbd: object | None = None  # models.BgNbdFit
    gamma_gamma: object | None = None  # models.GammaGammaFit
    warnings: list[str] = field(default_factory=list)

    def meta(self) -> dict:
        bg, gg = self.bg_nbd, self.gamma_gamma
        return {
            "bg_nbd": None if bg is None else {
                "r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b, "time_unit": bg.time_unit,
                "log_likelihood": bg.log_likelihood, "n_customers": bg.n_customers},
            "gamma_gamma": None if gg is None else {
                "p": gg.p, "q": gg.q, "v": gg.v, "log_likelihood": gg.log_likelihood, "n_customers": gg.n_customers},
        }


def fit_models(summary: pl.DataFrame) -> Fitted:
    """BG/NBD on the compressed (x, t_x, T) rows; Gamma-Gamma on the repeat customers."""
    from crmctl import models

    fitted = Fitted()
    x, t_x, T = (summary[c].to_numpy().astype(float) for c in ("frequency", "recency_weeks", "age_weeks"))
    # A first order on the as-of day gives T = 0, which has no likelihood: such customers are predicted, not fitted.
    seen = T > 0
    try:
        cx, ct, cT, weights = models.compress(x[seen], t_x[seen], T[seen])
        fitted.bg_nbd = models.fit_bgnbd(cx, ct, cT, weights, time_unit=TIME_UNIT)
    except ModelError as error:
        fitted.warnings.append(f"BG/NBD not fitted: {error}")
    repeat = summary.filter((pl.col("frequency") > 0) & (pl.col("mean_repeat_value") > 0))
    frequency = repeat["frequency"].to_numpy().astype(float)
    value = repeat["mean_repeat_value"].to_numpy().astype(float)
    try:
        fitted.gamma_gamma = models.fit_gamma_gamma(frequency, value)
    except ModelError as error:
        fitted.warnings.append(f"Gamma-Gamma not fitted: {error}")
    if fitted.gamma_gamma is not None:
        rho = models.frequency_value_correlation(frequency, value)
        if rho is not None and abs(rho) > CORRELATION_LIMIT:
            fitted.warnings.append(
                f"frequency and mean repeat order value correlate (ρ = {rho:.2f}, |ρ| > {CORRELATION_LIMIT}); "
                "Gamma-Gamma assumes they are independent, so expected_order_value is biased")
    return fitted


def bg_nbd_predictions(fit, horizon_weeks: float, x, t_x, T):
    """P(alive) and E[Y(horizon)]; a customer whose first order is today (T = 0) is alive and expects what a
    new customer does, E[X(horizon)] (the conditional formula's limit at x = t_x = T = 0)."""
    import numpy as np

    from crmctl import models

    seen = T > 0
    alive, orders = np.ones(len(x)), np.full(len(x), float(models.expected_purchases_new(fit, horizon_weeks)))
    if seen.any():
        alive[seen] = models.p_alive(fit, x[seen], t_x[seen], T[seen])
        orders[seen] = models.expected_purchases(fit, horizon_weeks, x[seen], t_x[seen], T[seen])
    return alive, orders


def predict(summary: pl.DataFrame, fitted: Fitted, horizon_weeks: float, *, gross_margin: float | None,
            discount_rate: float | None) -> pl.DataFrame:
    """Adds MODEL_COLUMNS (Float64, null where a model is missing or undefined; clv_basis "orders" where
    predicted_clv has a value: subscriptions.py may then value subscribers from their contracts)."""
    import numpy as np

    from crmctl import models

    n = summary.height
    x, t_x, T = (summary[c].to_numpy().astype(float) for c in ("frequency", "recency_weeks", "age_weeks"))
    alive = orders = value = np.full(n, np.nan)
    if fitted.bg_nbd is not None and n:
        alive, orders = bg_nbd_predictions(fitted.bg_nbd, horizon_weeks, x, t_x, T)
    if fitted.gamma_gamma is not None and n:
        mean_value = summary["mean_repeat_value"].fill_null(0.0).to_numpy().astype(float)
        value = models.conditional_expected_value(fitted.gamma_gamma, x, np.where(mean_value > 0, mean_value, 0.0))
        # A repeat customer with a non-positive mean (refunds) is outside the model: no value, not a guess.
        value = np.where((x > 0) & ~(mean_value > 0), np.nan, value)
    clv = models.predicted_clv(orders, value, horizon_weeks, gross_margin=gross_margin, discount_rate=discount_rate,
                               periods_per_year=WEEKS_PER_YEAR)
    columns = {"p_alive": alive, "expected_orders": orders, "expected_order_value": value, "predicted_clv": clv}
    rows = summary.with_columns(
        pl.Series(name, np.asarray(values, dtype=float), dtype=pl.Float64).fill_nan(None)
        for name, values in columns.items())
    return rows.with_columns(clv_basis=pl.when(pl.col("predicted_clv").is_not_null()).then(pl.lit("orders")))


def predictions(config, orders: pl.DataFrame, as_of, horizon_weeks: float) -> tuple[pl.DataFrame, Fitted]:
    """Every customer's order summary as of `as_of` with the models fitted on it and their predictions over
    the horizon (gross margin and discount rate from the config's definitions)."""
    summary = summarise(orders.lazy(), as_of).collect().sort("customer_id")
    fitted = fit_models(summary)
    margin, discount = config.definitions.get("gross_margin"), config.knob("discount_rate")
    return predict(summary, fitted, horizon_weeks, gross_margin=margin, discount_rate=discount), fitted


def with_clv_notes(rows: pl.DataFrame, fitted: Fitted) -> pl.DataFrame:
    """clv_note: why predicted_clv is empty, on every row where it is (null where it has a value)."""
    if fitted.bg_nbd is None:
        why = pl.lit("no prediction: BG/NBD was not fitted (see meta.warnings)")
    elif fitted.gamma_gamma is None:
        why = pl.lit("no prediction: Gamma-Gamma was not fitted (see meta.warnings)")
    else:
        # Gamma-Gamma models order values as gamma-distributed, so positive: a repeat mean of 0.00 (free or
        # fully discounted orders) or below (refunds) is outside it, and any value would be a guess.
        why = pl.when((pl.col("frequency") > 0) & ~(pl.col("mean_repeat_value") > 0)).then(pl.format(
            "no prediction: repeat orders average {} (Gamma-Gamma needs positive amounts)",
            pl.col("mean_repeat_value").round(2).cast(pl.Decimal(18, 2)).cast(pl.String)))
    return rows.with_columns(clv_note=pl.when(pl.col("predicted_clv").is_null()).then(why).cast(pl.String))

"""`crmctl customers --validate`: fit on the orders up to the as-of day, predict each customer's
purchases from then to the data's last day, and compare with the purchases they made (distinct
purchase days, as the model counts them), in total and by calibration repeat purchases 0 … 7+.
"""

from __future__ import annotations

import polars as pl

from crmctl.config import Config
from crmctl.domain.results import HoldoutCheck
from crmctl.customers.fit import TIME_UNIT, bg_nbd_predictions, fit_models
from crmctl.customers.summary import purchase_days_after, summarise
from crmctl.customers.table import last_day, load_orders
from crmctl.errors import UsageError
from crmctl.models import ModelError

HOLDOUT_COLUMNS = ["repeat_purchases", "customers", "actual_mean", "predicted_mean", "actual_total",
                   "predicted_total"]


def validate_holdout(config: Config, as_of) -> HoldoutCheck:
    """(rows, meta): one row per calibration-frequency bucket and a final `all` row."""
    from crmctl import models

    if as_of is None:
        raise UsageError("--validate needs --as-of DATE before the data's last day: the model is fitted up to "
                         "DATE and checked on the orders after it")
    orders = load_orders(config, ())["orders"].frame
    end = last_day(orders)
    if as_of >= end:
        raise UsageError(f"--as-of {as_of} leaves no holdout: the data ends on {end}; choose an earlier date")
    summary = summarise(orders.lazy(), as_of).collect().sort("customer_id")
    fitted = fit_models(summary)
    if fitted.bg_nbd is None:
        raise ModelError(f"cannot validate: {fitted.warnings[0]}")
    weeks = (end - as_of).days / 7.0
    actual = summary.lazy().join(purchase_days_after(orders.lazy(), as_of, end), on="customer_id", how="left",
                                 maintain_order="left")
    actual = actual.select(pl.col("actual").fill_null(0.0)).collect()["actual"].to_numpy()
    x, t_x, T = (summary[c].to_numpy().astype(float) for c in ("frequency", "recency_weeks", "age_weeks"))
    _, predicted = bg_nbd_predictions(fitted.bg_nbd, weeks, x, t_x, T)
    comparison = models.compare_holdout(x, predicted, actual)
    meta = {"as_of": as_of.isoformat(), "holdout_end": end.isoformat(), "holdout_weeks": weeks,
            "time_unit": TIME_UNIT, "customers": comparison.n_customers, "total_actual": comparison.total_actual,
            "total_predicted": comparison.total_predicted, "total_error": comparison.total_error,
            "models": {"bg_nbd": fitted.meta()["bg_nbd"]}, "warnings": [w for w in fitted.warnings if not w.startswith("Gamma-Gamma")]}
    return HoldoutCheck(_rows(comparison), meta)


def _rows(comparison) -> pl.DataFrame:
    rows = [{"repeat_purchases": b.label, "customers": b.n_customers, "actual_mean": b.mean_actual,
             "predicted_mean": b.mean_predicted,
             "actual_total": None if b.mean_actual is None else b.mean_actual * b.n_customers,
             "predicted_total": None if b.mean_predicted is None else b.mean_predicted * b.n_customers}
            for b in comparison.buckets]
    n = comparison.n_customers
    rows.append({"repeat_purchases": "all", "customers": n,
                 "actual_mean": comparison.total_actual / n if n else None,
                 "predicted_mean": comparison.total_predicted / n if n else None,
                 "actual_total": comparison.total_actual, "predicted_total": comparison.total_predicted})
    schema = {"repeat_purchases": pl.String, "customers": pl.Int64, **{c: pl.Float64 for c in HOLDOUT_COLUMNS[2:]}}
    return pl.DataFrame(rows, schema=schema)

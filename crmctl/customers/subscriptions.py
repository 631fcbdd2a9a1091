"""Subscription customers' predicted CLV: MRR × DERL × gross margin (Fader & Hardie 2007, 2010).

When the config maps a subscriptions dataset with `mrr`, every customer with a subscription running
on the as-of day is valued as a contract, not from their orders: an sBG model is fitted per monthly
acquisition cohort of subscription customers (the month of their first subscription start), and
the customer's DERL is taken at the renewals they have made so far. Definitions: docs/customers.md.

Months are calendar months: a month is complete on the same day of the next month (31 Jan → 28 Feb
is not yet one). A customer's lifetime runs from their first subscription start to the last end of
a subscription when none is running on the as-of day; subscriptions starting after it are ignored.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from crmctl.config import Config

# Unset `discount_rate`: 10% a year, the default of `crmctl cohorts --project` (docs/models.md):
# without discounting, DERL is infinite when α ≤ 1.
DERL_DISCOUNT_RATE = 0.10
MIN_COUNTS = 3  # the cohort size and two later months: two retention rates separate α from β


def subscription_spells(frame: pl.DataFrame | None) -> pl.DataFrame | None:
    """customer_id, started_at, ended_at, mrr of the subscriptions the table read; None without `mrr`."""
    if frame is None or "mrr" not in frame.columns:
        return None
    if "ended_at" not in frame.columns:
        frame = frame.with_columns(ended_at=pl.lit(None, frame.schema["started_at"]))
    return frame.select("customer_id", "started_at", "ended_at", pl.col("mrr").cast(pl.Float64))


def whole_months(start: pl.Expr, stop: pl.Expr) -> pl.Expr:
    """Complete calendar months from `start` to `stop` (dates)."""
    months = (stop.dt.year() - start.dt.year()) * 12 + stop.dt.month().cast(pl.Int32) - start.dt.month().cast(pl.Int32)
    return (months - (stop.dt.day() < start.dt.day()).cast(pl.Int32)).cast(pl.Int64)


def tenures(subscriptions: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Per subscription customer: cohort, running, mrr (of the running subscriptions), months (renewals
    made: to the as-of day when running, else to the last end), observed (months to the as-of day)."""
    start, end = pl.col("started_at").dt.date(), pl.col("ended_at").dt.date()
    running = end.is_null() | (end > as_of)
    rows = subscriptions.filter(pl.col("customer_id").is_not_null() & start.is_not_null() & (start <= as_of))
    per = rows.group_by("customer_id").agg(
        started=start.min(), running=running.any(), ended=end.max(),
        # null, not 0, when no running subscription states its MRR: no value is not a zero value.
        mrr=pl.when(pl.col("mrr").filter(running).count() > 0).then(pl.col("mrr").filter(running).sum()),
    )
    stop = pl.when(pl.col("running")).then(pl.lit(as_of)).otherwise(pl.col("ended"))
    return per.with_columns(
        cohort=pl.col("started").dt.truncate("1mo"),
        months=whole_months(pl.col("started"), stop),
        observed=whole_months(pl.col("started"), pl.lit(as_of)),
    ).sort("customer_id")


def survivors(months, observed) -> list[int]:
    """n_0 … n_k: the cohort's customers who made at least t renewals, for t up to k, the months every
    customer of the cohort has been observed (so nobody's count is cut short by the as-of day)."""
    import numpy as np

    k = max(int(np.min(observed)), -1)  # -1: no month observed, no counts
    # One count per renewal total, capped to -1 … k (below 0 counts nowhere, beyond k as k); n_t is the
    # count of totals ≥ t, a cumulative sum from the top: O(n + k), not a pass over the cohort per t.
    totals = np.bincount(np.clip(np.asarray(months, dtype=np.int64), -1, k) + 1, minlength=k + 2)
    return np.cumsum(totals[::-1])[::-1][1:].tolist()


def cohort_derl(tenure: pl.DataFrame, monthly_rate: float) -> tuple[pl.DataFrame, list[str]]:
    """customer_id, derl_months for running customers whose cohort has an sBG fit; the other cohorts (months)."""
    from crmctl.models import ModelError
    from crmctl.models.sbg import discounted_expected_residual_lifetime, fit_sbg

    out, notes = [], []
    for (cohort,), rows in tenure.group_by(["cohort"], maintain_order=True):
        counts = survivors(rows["months"].to_numpy(), rows["observed"].to_numpy())
        try:
            if len(counts) < MIN_COUNTS:
                raise ModelError(f"{len(counts) - 1} complete month(s) observed, sBG needs {MIN_COUNTS - 1}")
            fit = fit_sbg(counts)
        except ModelError:
            notes.append(f"{cohort:%Y-%m}")
            continue
        live = rows.filter(pl.col("running"))
        derl = discounted_expected_residual_lifetime(fit, monthly_rate, live["months"].to_numpy())
        out.append(pl.DataFrame({"customer_id": live["customer_id"], "derl_months": derl.astype(float)}))
    schema = {"customer_id": tenure.schema["customer_id"], "derl_months": pl.Float64}
    return (pl.concat(out) if out else pl.DataFrame(schema=schema)), notes


def with_subscription_clv(rows: pl.DataFrame, config: Config, as_of: dt.date, warnings: list[str],
                          subscriptions: pl.DataFrame | None) -> pl.DataFrame:
    """predicted_clv = MRR × DERL × gross_margin (clv_basis "subscription") for customers with a running
    subscription in a cohort with an sBG fit; other rows keep their order-based value and basis."""
    from crmctl.models.clv import per_period_rate

    subscriptions = subscription_spells(subscriptions)  # as the 360° row read them: not read again
    if subscriptions is None or rows.height == 0:
        return rows
    tenure = tenures(subscriptions, as_of)
    rate = config.knob("discount_rate")
    derl, notes = cohort_derl(tenure, per_period_rate(DERL_DISCOUNT_RATE if not rate else float(rate), 12.0))
    if notes:
        cohorts = tenure["cohort"].n_unique()
        warnings.append(f"subscription CLV: {len(notes)} of {cohorts} monthly cohorts have no sBG fit (fewer than "
                        f"{MIN_COUNTS - 1} complete months, or too few customers to pin down α and β): their "
                        f"subscribers keep the order-based value ({', '.join(sorted(notes))})")
    margin = config.definitions.get("gross_margin") or 1.0
    values = tenure.join(derl, on="customer_id").select(
        "customer_id", _clv=pl.col("mrr") * pl.col("derl_months") * margin).drop_nulls("_clv")
    joined = rows.join(values, on="customer_id", how="left", maintain_order="left")
    return joined.with_columns(
        predicted_clv=pl.coalesce("_clv", "predicted_clv"),
        clv_basis=pl.when(pl.col("_clv").is_not_null()).then(pl.lit("subscription")).otherwise("clv_basis"),
    ).drop("_clv")

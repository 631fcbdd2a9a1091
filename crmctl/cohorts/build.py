"""Acquisition cohorts: customers grouped by the period of their first activity, and how many are
still active (and how much they spend) in each later period.

Long form, one row per cohort × period_index (0 is the acquisition period):
  cohort, [by…], period_index, period_start, customers, retained, rate, revenue, revenue_rate
retained: cohort customers active at the end of period cohort + period_index (under the report's
activity model, so index 0 can be below 100% when customers churn in their first period).
revenue: order revenue of the cohort's customers in that period (or, without orders, their MRR at
its end); revenue_rate = revenue ÷ revenue of period 0.

With `project=N` (docs/models.md, "Projecting cohorts") each cohort (× --by group) with at least 3
complete periods gets the sBG model of Fader & Hardie (2007) fitted on its retained counts, and N
projected rows after its last observed period; a `projected` column tells them apart.
"""

from __future__ import annotations


import polars as pl

from crmctl.config import Config, ReportSpec
from crmctl.domain.timeline import day_end
from crmctl.domain.results import CohortTable
from crmctl.errors import UsageError
from crmctl.metrics import retention
from crmctl.report.build import prepare, with_overrides

# DERL diverges without discounting (alpha <= 1), so an unset `discount_rate` means 10% a year here.
DERL_DISCOUNT_RATE = 0.10

COLUMNS = ["cohort", "period_index", "period_start", "customers", "retained", "rate", "revenue", "revenue_rate"]


def build_cohorts(config: Config, spec: ReportSpec, *, project: int = 0) -> CohortTable:
    """The cohort triangle and its meta; with `project` > 0 also the sBG projection (see above)."""
    if project < 0:
        raise UsageError(f"--project takes a number of periods (0 or more), got {project}")
    frame, meta = _observed(config, spec)
    if project and "last_complete" in meta:
        from crmctl.cohorts.projection import project_frame

        frame, meta["projection"] = project_frame(frame, meta, project, _discount_rate(config))
    return CohortTable(frame, meta)


def subscription_lifetimes(config: Config, spec: ReportSpec) -> pl.DataFrame:
    """One row per cohort (× --by group): alpha, beta, derl_periods, period, periods_observed, note.

    derl_periods: the discounted expected residual lifetime, in `period`s, of a customer of the
    cohort still active at its latest observed period (null with a note when the cohort has no fit).
    MRR × derl_periods (with `period: month`) is a subscription customer's predicted value.
    """
    from crmctl.cohorts.projection import fit_table

    frame, meta = _observed(config, spec)
    return fit_table(frame, meta, _discount_rate(config))


def _observed(config: Config, spec: ReportSpec) -> tuple[pl.DataFrame, dict]:
    if spec.period == "all":
        raise UsageError("cohorts need periods: use --period day|week|month|quarter|year")
    with_revenue = "orders" in config.datasets
    metrics = ("active_customers", "revenue") if with_revenue else ("active_customers",)
    ctx, plan = prepare(config, with_overrides(spec, metrics=metrics, family=None))
    if "active_customers" in plan.unavailable:
        raise UsageError(f"cohorts: {plan.unavailable['active_customers']}")
    if ctx.window is None:
        return pl.DataFrame(schema={c: pl.String for c in [*spec.by, *COLUMNS]}), {"activity_model": ctx.activity}
    by = list(spec.by)
    index = ctx.bounds().with_row_index("_index").select("period_start", "_index")
    spells = retention.customer_spells(ctx)
    first = spells.group_by(["customer_id", *by]).agg(pl.col("start").min())
    cohorts = ctx.bucketed(first, "start").rename({"period_start": "cohort"}).select("customer_id", *by, "cohort")
    active = retention.active_customers_at(ctx, "_to").select("period_start", "customer_id", *by).unique()
    cells = _cells(cohorts, active, index, by)
    if with_revenue:
        orders = ctx.frame("orders").select("customer_id", "period_start", "amount")
        spend = orders.join(cohorts, on="customer_id").group_by(["cohort", *by, "period_start"]).agg(
            revenue=pl.col("amount").sum())
        cells = cells.join(spend, on=["cohort", *by, "period_start"], how="left", nulls_equal=True)
    else:
        cells = cells.with_columns(revenue=pl.lit(None, pl.Float64))
    frame = _finish(cells.collect(), by)
    if spec.start is not None:
        frame = frame.filter(pl.col("cohort") >= ctx.calendar.start_of(spec.start))
    meta = {"activity_model": ctx.activity, "window": str(ctx.window), "period": spec.period, "by": by,
            "notes": _construction_notes(ctx.activity, spec.period, ctx.knob("churn_after_days"))}
    # A period the data ends inside is shown, but its survivors are not final: fits leave it out.
    ends = ctx.bounds().filter(pl.col("_to") <= day_end(ctx.window.end)).collect()
    if ends.height:
        meta["last_complete"] = ends["period_start"].max()
    return frame, meta


PERIOD_DAYS = {"day": (1, 1), "week": (7, 7), "month": (28, 31), "quarter": (90, 92), "year": (365, 366)}


def _construction_notes(activity: str | None, period: str, churn_after_days: int) -> list[str]:
    """Under the transactional model a customer is active for churn_after_days after each order, so no
    cohort can lose anyone before that many days: those early cells are 100% by construction, not loyalty.
    Periods that end within that many days of the cohort's start in every case (the longest periods) are
    100%; those that do for the shortest periods only (February, a 90-day quarter) nearly so."""
    if activity != "transactional":
        return []
    shortest, longest = PERIOD_DAYS[period]
    sure, nearly = churn_after_days // longest - 1, churn_after_days // shortest - 1
    if nearly < 0:
        return []
    parts = [f"100% by construction in {_periods(0, sure)}"] if sure >= 0 else []
    if nearly > sure:
        parts.append(f"{'and ' if parts else ''}nearly 100% by construction in {_periods(sure + 1, nearly)}")
    return [f"Retention is {' '.join(parts)}: a customer counts as active for {churn_after_days} days after each "
            f"order (churn_after_days), so nobody can have churned yet; read the triangle from period {nearly + 1} on."]


def _periods(first: int, last: int) -> str:
    return f"period {first}" if first == last else f"periods {first}–{last}"


def _cells(cohorts: pl.LazyFrame, active: pl.LazyFrame, index: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    """Every (cohort, later period) pair up to the last period, with the cohort's retained count."""
    sizes = cohorts.group_by(["cohort", *by]).agg(customers=pl.len())
    sizes = sizes.join(index.rename({"period_start": "cohort", "_index": "_cohort_index"}), on="cohort")
    grid = sizes.join(index, how="cross").filter(pl.col("_index") >= pl.col("_cohort_index")).with_columns(
        period_index=pl.col("_index") - pl.col("_cohort_index"))
    kept = cohorts.join(active, on=["customer_id", *by], how="inner", nulls_equal=True).filter(
        pl.col("period_start") >= pl.col("cohort")).group_by(["cohort", *by, "period_start"]).agg(retained=pl.len())
    return grid.join(kept, on=["cohort", *by, "period_start"], how="left", nulls_equal=True).with_columns(
        retained=pl.col("retained").fill_null(0))


def _finish(cells: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    base = pl.col("revenue").filter(pl.col("period_index") == 0).first().over(["cohort", *by])
    return cells.with_columns(
        pl.col("customers", "retained", "period_index").cast(pl.Int64),
        rate=pl.col("retained") / pl.col("customers"),
        revenue=pl.col("revenue").fill_null(0.0) if cells["revenue"].dtype != pl.Null else pl.col("revenue"),
    ).with_columns(
        revenue_rate=pl.when(base > 0).then(pl.col("revenue") / base),
    ).sort(["cohort", *by, "period_index"], nulls_last=True).select("cohort", *by, *COLUMNS[1:])


def _discount_rate(config: Config) -> float:
    rate = config.knob("discount_rate")
    return DERL_DISCOUNT_RATE if rate is None else float(rate)

"""Sales pipeline from a leads, deals or opportunities export.

`status` is won, lost or open after the value map (e.g. {Closed Won: won, Closed Lost: lost,
Prospecting: open}). The status says what a deal is now: a deal reopened after a close date is open,
and a won or lost deal without a close date cannot be placed in a period, so it counts in no
win rate, cycle length or pipeline value (crmctl validate lists them).
"""

from __future__ import annotations

import polars as pl

from crmctl.context.activity import FOREVER
from crmctl.metrics.metric import Metric

NEGATIVE = "deals won before they were created excluded"


def _converted(names) -> pl.Expr:
    if "converted_at" in names:
        return pl.col("converted_at").is_not_null()
    return pl.col("status") == "won"


def _conversion(ctx) -> pl.LazyFrame:
    leads = ctx.frame("leads")
    converted = _converted(leads.collect_schema().names())
    return leads.group_by(ctx.keys).agg(numerator=converted.sum(), denominator=pl.len(), n=pl.len())


def _win_rate(ctx) -> pl.LazyFrame:
    closed = ctx.frame("leads", "closed_at").filter(pl.col("status").is_in(["won", "lost"]))
    return closed.group_by(ctx.keys).agg(numerator=(pl.col("status") == "won").sum(), denominator=pl.len(), n=pl.len())


def _won(ctx) -> pl.LazyFrame:
    """Deals with their won date: converted_at, else closed_at of a won deal."""
    leads = ctx.datasets["leads"].frame.lazy()
    names = leads.collect_schema().names()
    dates = []
    if "converted_at" in names:
        dates.append(pl.col("converted_at"))
    if "closed_at" in names and "status" in names:
        dates.append(pl.when(pl.col("status") == "won").then(pl.col("closed_at")))
    won = leads.with_columns(_won_at=pl.coalesce(dates))
    return ctx.frame("leads", "_won_at", source=won)


def _cycle(summary):
    def plan(ctx) -> pl.LazyFrame:
        days = (pl.col("_won_at") - pl.col("created_at")).dt.total_seconds() / 86400
        valid = days >= 0
        return _won(ctx).group_by(ctx.keys).agg(**summary(days.filter(valid)), n=valid.sum(),
                                                excluded=(~valid).sum())

    return plan


def _pipeline(ctx) -> pl.LazyFrame:
    """Amount of deals open at the end of P: created before it, and open now or closed after it."""
    leads = ctx.with_customer_dims(ctx.datasets["leads"].frame.lazy())
    names = leads.collect_schema().names()
    closed_at = pl.col("closed_at").fill_null(FOREVER) if "closed_at" in names else pl.lit(FOREVER)
    if "status" in names:  # the status decides: a reopened deal is open whatever its old close date
        closed_at = pl.when(pl.col("status") == "open").then(pl.lit(FOREVER)).when(
            pl.col("closed_at").is_null()).then(None).otherwise(closed_at)
    ends = ctx.bounds().select("period_start", "_to")
    open_then = leads.with_columns(_closed=closed_at).filter(pl.col("_closed").is_not_null()).join_where(
        ends, pl.col("created_at") < pl.col("_to"), pl.col("_closed") >= pl.col("_to"))
    return open_then.group_by(ctx.keys).agg(numerator=pl.col("amount").sum(), n=pl.len())


def _mean(values: pl.Expr) -> dict:
    return {"numerator": values.sum(), "denominator": values.count(), "sd": values.std()}


def _median(values: pl.Expr) -> dict:
    return {"numerator": values.median(), "values": values.sort()}


METRICS = (
    Metric(
        name="lead_conversion_rate", interval="wilson", title="Lead conversion", family="sales", unit="ratio",
        requires=("leads.created_at", "leads.converted_at|status"), plan=_conversion,
        numerator="leads created in the period that converted (to date)", denominator="leads created in the period",
        description="Leads created in the period that have converted by the export's date (converted_at set; "
                    "without converted_at, status won) ÷ leads created in the period: a cohort view, so recent "
                    "periods rise as their leads mature.",
    ),
    Metric(
        name="win_rate", interval="wilson", title="Win rate", family="sales", unit="ratio",
        requires=("leads.closed_at", "leads.status"), time_field="closed_at", plan=_win_rate,
        numerator="deals won in the period", denominator="deals closed (won or lost) in the period",
        description="Deals closed in the period (closed_at) with status won ÷ deals closed in the period with status "
                    "won or lost. Open deals, reopened deals and closed deals without a date are not counted.",
    ),
    Metric(
        name="pipeline_value", title="Pipeline value", family="sales", unit="money", kind="total", additive=True,
        requires=("leads.created_at", "leads.amount"), optional=("leads.closed_at", "leads.status"),
        plan=_pipeline, numerator="amount of deals open at the end of the period",
        description="Sum of the amount of deals open at the end of the period: created before its end and either "
                    "open now (status open) or closed after it.",
    ),
    Metric(
        name="sales_cycle_length", title="Sales cycle", family="operations", unit="days", higher_is_better=False,
        interval="mean",
        requires=("leads.created_at", "leads.converted_at|closed_at"), optional=("leads.status",),
        time_field="_won_at", plan=_cycle(_mean), excluded=NEGATIVE,
        numerator="days from creation to win", denominator="deals won in the period",
        description="Mean days from creation to win for deals won in the period (won date: converted_at, else "
                    "closed_at of a deal with status won).",
    ),
    Metric(
        name="median_sales_cycle_length", title="Median sales cycle", family="operations", unit="days", kind="total",
        interval="quantile",
        higher_is_better=False, requires=("leads.created_at", "leads.converted_at|closed_at"),
        optional=("leads.status",), time_field="_won_at", plan=_cycle(_median), excluded=NEGATIVE,
        numerator="median days from creation to win",
        description="Median days from creation to win for deals won in the period.",
    ),
)

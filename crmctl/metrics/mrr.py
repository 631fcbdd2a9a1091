"""MRR churn and net revenue retention: monthly recurring revenue of the customers who had it at a
period's start, followed to its end (ChartMogul's definitions)."""

from __future__ import annotations

import polars as pl

from crmctl.context.activity import FOREVER, merge_spells, active_at
from crmctl.context.keys import integer_ids
from crmctl.metrics.metric import Metric
from crmctl.metrics.retention import alive_at_edge, running

MRR_FIELDS = ("subscriptions.customer_id", "subscriptions.ended_at")


def _mrr_at(ctx, instant: str, name: str) -> pl.LazyFrame:
    """MRR per customer at each period's instant, from subscriptions running then."""
    subs = ctx.datasets["subscriptions"].frame.lazy()
    own = [d for d in ctx.by if d in subs.collect_schema().names()]
    bounds = ctx.bounds().with_columns(_at=pl.col(instant))
    reach = pl.col("ended_at").fill_null(FOREVER) if "ended_at" in subs.collect_schema().names() else pl.lit(FOREVER)
    running = subs.with_columns(_reach=reach).join_where(bounds, *active_at(pl.col("_at"), "started_at", "_reach"))
    return running.group_by(["period_start", "customer_id", *own]).agg(pl.col("mrr").sum().alias(name))


def _mrr_movements(ctx) -> pl.LazyFrame:
    """Per period: `_start` MRR at its start of customers who had MRR then, `_end` their MRR at its end,
    `_lost` the part of it they lost (churn and contraction, per customer), `_n` those customers; once per
    report."""
    def build():
        subs = ctx.datasets["subscriptions"].frame.lazy()
        if ctx.calendar.period == "all" or subs.select((pl.col("mrr") < 0).any()).collect().item():
            return mrr_movements_per_customer(ctx)  # a credit can offset MRR: sums alone would not do
        return mrr_flows(ctx)

    return ctx.shared(f"mrr_movements:{ctx.by}", lambda: ctx.materialised(build()))


def _mrr_subscriptions(ctx) -> tuple[pl.LazyFrame, list[str]]:
    """Subscriptions as spells (start, end) with mrr, their periods, and the unit they belong to:
    customer_id, the --by fields subscriptions have, and the customer's own --by fields.

    Collected once (mrr_flows reads them four times), the customers' fields looked up rather than joined,
    and customer_id held as an integer when every id is one (integer_ids): merging spells sorts by it."""
    subs = ctx.datasets["subscriptions"].frame
    own = [d for d in ctx.by if d in subs.columns]
    end = pl.col("ended_at") if "ended_at" in subs.columns else pl.lit(None, pl.Datetime("us"))
    spells = ctx.looked_up(subs.select("customer_id", *own, "mrr", start="started_at", end=end).filter(
        pl.col("end").is_null() | (pl.col("end") >= pl.col("start"))))
    keys = integer_ids(spells["customer_id"])
    spells = spells.with_columns(_ps=ctx.calendar.bucket(pl.col("start")), _pe=ctx.calendar.bucket(pl.col("end")),
                                 **({"customer_id": keys} if keys is not None else {}))
    return spells.lazy(), ["customer_id", *ctx.by]


def mrr_flows(ctx) -> pl.LazyFrame:
    """MRR sums as running sums of subscriptions starting and ending; per-customer values only for the
    customers whose MRR changes in a period (a subscription of theirs starts or ends in it), since for
    everyone else the MRR at the end equals the MRR at the start."""
    spells, unit = _mrr_subscriptions(ctx)
    total = running(ctx, 1, spells, pl.col("mrr")).rename({"_alive": "_start"})
    paying = merge_spells(spells.filter(pl.col("mrr") > 0).select(*unit, "start", "end"), unit)
    customers = running(ctx, 1, paying).rename({"_alive": "_n"})
    at_start, at_end = alive_at_edge(pl.col("period_start"), "start"), alive_at_edge(pl.col("period_start"), "end")
    changed = pl.concat([spells.select(*unit, period_start="_ps"),
                         spells.filter(pl.col("_pe").is_not_null()).select(*unit, period_start="_pe")]).unique()
    moved = changed.join(spells, on=unit, nulls_equal=True).group_by([*unit, "period_start"]).agg(
        _from=pl.col("mrr").filter(at_start).sum(), _to=pl.col("mrr").filter(at_end).sum()
    ).filter(pl.col("_from") > 0).group_by(ctx.keys).agg(
        _delta=(pl.col("_to") - pl.col("_from")).sum(), _lost=(pl.col("_from") - pl.col("_to")).clip(0).sum())
    return total.join(customers, on=ctx.keys, how="left", nulls_equal=True).join(
        moved, on=ctx.keys, how="left", nulls_equal=True).filter(pl.col("_n") > 0).select(
        *ctx.keys, "_start", _end=pl.col("_start") + pl.col("_delta").fill_null(0.0),
        _lost=pl.col("_lost").fill_null(0.0), _n="_n")


def mrr_movements_per_customer(ctx) -> pl.LazyFrame:
    """The same sums from each customer's MRR at both ends of every period (a subscriptions × periods join)."""
    start, end = _mrr_at(ctx, "_from", "_start"), _mrr_at(ctx, "_to", "_end")
    keys = [c for c in start.collect_schema().names() if c != "_start"]
    moved = start.join(end, on=keys, how="left", nulls_equal=True).with_columns(pl.col("_end").fill_null(0.0))
    return ctx.with_customer_dims(moved.filter(pl.col("_start") > 0)).group_by(ctx.keys).agg(
        pl.col("_start", "_end").sum(), _lost=(pl.col("_start") - pl.col("_end")).clip(lower_bound=0).sum(),
        _n=pl.len())


def _gross_revenue_churn(ctx) -> pl.LazyFrame:
    return _mrr_movements(ctx).select(*ctx.keys, numerator="_lost", denominator="_start", n="_n")


def _net_revenue_retention(ctx) -> pl.LazyFrame:
    return _mrr_movements(ctx).select(*ctx.keys, numerator="_end", denominator="_start", n="_n")


METRICS = (
    Metric(
        name="gross_revenue_churn", title="Gross MRR churn", family="retention", unit="ratio",
        higher_is_better=False, requires=("subscriptions.mrr", "subscriptions.started_at"), optional=MRR_FIELDS,
        plan=_gross_revenue_churn, numerator="MRR lost to churn and contraction",
        denominator="MRR at the start of the period",
        description="(Churned MRR + contraction MRR) ÷ MRR at the start of the period, over customers with MRR at "
                    "its start (ChartMogul's gross MRR churn rate); expansion does not offset it.",
    ),
    Metric(
        name="net_revenue_retention", title="Net MRR retention", family="retention", unit="ratio",
        requires=("subscriptions.mrr", "subscriptions.started_at"), optional=MRR_FIELDS, plan=_net_revenue_retention,
        numerator="their MRR at the end of the period", denominator="MRR at the start of the period",
        description="MRR at the end of the period of customers who had MRR at its start ÷ their MRR at its start: "
                    "(start + expansion − contraction − churn) ÷ start (ChartMogul). New customers are excluded.",
    ),
)

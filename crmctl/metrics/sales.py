"""Sales: what customers bought, from the orders dataset (after its `where:` filter)."""

from __future__ import annotations

import polars as pl

from crmctl.context.keys import integer_ids
from crmctl.metrics.metric import Metric


def customer_orders(ctx) -> pl.LazyFrame:
    """Per period, --by values and customer: `_orders`, `_revenue` (when amounts are mapped), `_first` and
    `_last`, the times of the customer's first and last order in it, and `_customer`, the id as an integer
    when the ids are (keys.integer_ids), to group and search by customer on integers. Once per report: repeat
    purchase, segmentation and revenue per retained customer read it, and grouping millions of orders by
    customer is most of their cost."""
    def build() -> pl.LazyFrame:
        frame = ctx.frame("orders")
        revenue = [pl.col("amount").sum().alias("_revenue")] if "amount" in frame.collect_schema().names() else []
        grouped = frame.group_by([*ctx.keys, "customer_id"]).agg(
            _orders=pl.len(), *revenue, _first=pl.col("ordered_at").min(), _last=pl.col("ordered_at").max()).collect()
        as_integers = integer_ids(grouped["customer_id"])
        return (grouped if as_integers is None else grouped.with_columns(_customer=as_integers)).lazy()

    return ctx.shared("customer_orders", build)


def _amounts(ctx) -> dict[str, pl.Expr]:
    return {"_orders": pl.len(), "_revenue": pl.col("amount").sum(), "_amount_sd": pl.col("amount").std()}


def _counted(ctx) -> dict[str, pl.Expr]:
    return {"_orders": pl.len()}


def _orders(ctx) -> pl.LazyFrame:
    return ctx.aggregate("orders", None, _amounts(ctx)).select(
        *ctx.keys, numerator="_revenue", denominator="_orders", n="_orders", sd="_amount_sd")


def _order_count(ctx) -> pl.LazyFrame:
    return ctx.aggregate("orders", None, _counted(ctx)).select(*ctx.keys, numerator="_orders", n="_orders")


def _order_ids(ctx) -> pl.LazyFrame:
    return ctx.frame("orders").select(*ctx.keys, id="order_id")


def _growth(ctx, results: dict) -> pl.LazyFrame:
    """revenue(P) ÷ revenue(P−1) − 1, written as (revenue(P) − revenue(P−1)) ÷ revenue(P−1)."""
    revenue = results["revenue"].select(*ctx.keys, "value", "n")
    previous = revenue.select(
        ctx.calendar.shift(pl.col("period_start"), 1).alias("period_start"), *ctx.by, pl.col("value").alias("prev")
    )
    return revenue.join(previous, on=ctx.keys, how="left", nulls_equal=True).select(
        *ctx.keys, numerator=pl.col("value") - pl.col("prev"), denominator=pl.col("prev"), n=pl.col("n"),
    )


METRICS = (
    Metric(
        name="revenue", title="Revenue", family="sales", unit="money", kind="total", additive=True,
        description="Sum of order amounts of orders placed in the period.",
        requires=("orders.amount", "orders.ordered_at"), numerator="order amounts", plan=_orders,
        aggregates=_amounts, optional=("orders.order_id",), members=_order_ids,
    ),
    Metric(
        name="orders", title="Orders", family="sales", unit="count", kind="total", additive=True,
        description="Number of orders placed in the period.",
        requires=("orders.order_id", "orders.ordered_at"), numerator="orders", plan=_order_count, aggregates=_counted,
        members=_order_ids,
    ),
    Metric(
        name="average_order_value", interval="mean", title="Avg order value", family="sales", unit="money",
        description="Revenue ÷ orders, for orders placed in the period.",
        requires=("orders.amount", "orders.ordered_at"), numerator="order amounts", denominator="orders in the period",
        plan=_orders, aggregates=_amounts,
    ),
    Metric(
        name="sales_growth", title="Sales growth", family="sales", unit="ratio",
        description="Revenue of the period ÷ revenue of the previous period − 1 "
                    "(numerator: the change in revenue; denominator: the previous period's revenue).",
        requires=("orders.amount", "orders.ordered_at"), numerator="change in revenue",
        denominator="revenue in the previous period", derive=_growth, depends_on=("revenue",),
    ),
)

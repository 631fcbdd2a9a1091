"""The per-customer purchase summary as of a date: one lazy Polars group_by over the orders.

Times are in weeks (the models' `time_unit`), counted in whole calendar days as the CDNOW
summaries of Fader, Hardie & Lee (2005) are: T runs from the first purchase day to the as-of
day, t_x from the first purchase day to the last. Orders on one day are one purchase (the papers
merge them), so the repeat frequency x is the number of distinct purchase days minus one.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from crmctl.domain.timeline import day_end

DAYS_PER_WEEK = 7.0

SUMMARY_COLUMNS = ["customer_id", "first_order_at", "last_order_at", "orders", "revenue", "frequency",
                   "recency_weeks", "age_weeks", "mean_repeat_value"]


def until(orders: pl.LazyFrame, as_of: dt.date) -> pl.LazyFrame:
    """Orders placed on or before the as-of day (the whole day counts)."""
    return orders.filter(pl.col("ordered_at") < day_end(as_of))


def summarise(orders: pl.LazyFrame, as_of: dt.date) -> pl.LazyFrame:
    """One row per customer with an order on or before `as_of`: SUMMARY_COLUMNS.

    mean_repeat_value: the revenue of the repeat purchase days (all but the first day) ÷ x, the
    mean value of a repeat purchase (Gamma-Gamma's z̄); null for customers with no repeat day.
    """
    day = pl.col("ordered_at").dt.date()
    first_day, last_day = day.min(), day.max()
    days = day.n_unique()
    first_day_revenue = pl.col("amount").filter(day == first_day).sum()
    rows = until(orders, as_of).filter(pl.col("customer_id").is_not_null()).group_by("customer_id").agg(
        first_order_at=pl.col("ordered_at").min(),
        last_order_at=pl.col("ordered_at").max(),
        orders=pl.len(),
        revenue=pl.col("amount").sum(),
        frequency=(days - 1).cast(pl.Int64),
        recency_weeks=(last_day - first_day).dt.total_days() / DAYS_PER_WEEK,
        age_weeks=(pl.lit(as_of) - first_day).dt.total_days() / DAYS_PER_WEEK,
        _repeat_revenue=pl.col("amount").sum() - first_day_revenue,
    )
    return rows.with_columns(
        orders=pl.col("orders").cast(pl.Int64),
        mean_repeat_value=pl.when(pl.col("frequency") > 0).then(pl.col("_repeat_revenue") / pl.col("frequency")),
    ).select(SUMMARY_COLUMNS)


def purchase_days_after(orders: pl.LazyFrame, as_of: dt.date, end: dt.date) -> pl.LazyFrame:
    """Each customer's distinct purchase days in (as_of, end]: the holdout's actual purchases."""
    start = day_end(as_of)
    stop = day_end(end)
    inside = orders.filter((pl.col("ordered_at") >= start) & (pl.col("ordered_at") < stop))
    return inside.group_by("customer_id").agg(actual=pl.col("ordered_at").dt.date().n_unique().cast(pl.Float64))

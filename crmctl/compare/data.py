"""The units of a comparison: one row per customer of each group, and the survey responses they gave.

Customers are the unit of randomisation: the group is a column of the customers export (a variant,
a segment). Outcomes count inside the window (--from/--to/--last; default the whole data).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from crmctl.config import Config
from crmctl.errors import UsageError
from crmctl.periods import Calendar, Window, resolve_window
from crmctl.read.identity import fields_to_read, resolve_customers
from crmctl.read.load import load_dataset

# The fields each dataset gives a comparison, beyond the group column.
WANTED = {"customers": {"customer_id", "churned", "churned_at"},
          "orders": {"customer_id", "ordered_at", "amount"},
          "surveys": {"customer_id", "responded_at", "type", "score"}}
TIME_FIELD = {"orders": "ordered_at", "surveys": "responded_at"}


def load_units(config: Config, by: str, start: dt.date | None, end: dt.date | None,
               last: str | None) -> tuple[dict[str, pl.DataFrame], Window | None]:
    """The mapped datasets a comparison can use, read once, and the window their dates resolve to."""
    if "customers" not in config.datasets:
        raise UsageError("compare needs a customers dataset: map it under datasets.customers in the config")
    dims = config.dimensions("customers")
    if by not in dims:
        raise UsageError(f"--by {by}: not a column of customers (customer dimensions: {', '.join(dims) or 'none'})")
    wanted = {name: {f for f in fields if f in config.datasets[name].columns}
              for name, fields in WANTED.items() if name in config.datasets}
    wanted["customers"].add(by)
    loaded = {name: load_dataset(config.datasets[name], config, fields)
              for name, fields in fields_to_read(config, wanted).items()}
    resolve_customers(config, loaded)
    frames = {name: item.frame for name, item in loaded.items()}
    spans = [_span(frames[name], field) for name, field in TIME_FIELD.items() if name in frames]
    spans = [s for s in spans if s is not None]
    span = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None
    window = resolve_window(start, end, last, span, Calendar("month", config.week_start,
                                                             config.fiscal_year_start_month))
    return frames, window


def _span(frame: pl.DataFrame, field: str) -> tuple[dt.date, dt.date] | None:
    days = frame.get_column(field).dt.date().drop_nulls()
    return (days.min(), days.max()) if days.len() else None


def in_window(frame: pl.DataFrame, field: str, window: Window | None) -> pl.DataFrame:
    if window is None:
        return frame.filter(pl.lit(False))
    day = pl.col(field).dt.date()
    return frame.filter(day.is_between(window.start, window.end))


def customer_table(frames: dict[str, pl.DataFrame], by: str, window: Window | None) -> pl.DataFrame:
    """One row per customer with a group: group, orders and revenue in the window, churned (null when the
    export says nothing about churn). Customers whose group is empty are left out (they are in no arm)."""
    customers = frames["customers"].filter(pl.col(by).is_not_null()).unique("customer_id", keep="first")
    table = customers.select("customer_id", pl.col(by).cast(pl.String).alias("group"), _churned(customers, window))
    if "orders" in frames:
        orders = in_window(frames["orders"], "ordered_at", window).group_by("customer_id").agg(
            orders=pl.len().cast(pl.Float64), revenue=pl.col("amount").sum().cast(pl.Float64))
        table = table.join(orders, on="customer_id", how="left").with_columns(
            pl.col("orders", "revenue").fill_null(0.0))
    return table


def _churned(customers: pl.DataFrame, window: Window | None) -> pl.Expr:
    """The snapshot flag when mapped, else churned_at inside the window; null when neither is known."""
    if "churned" in customers.columns:
        return pl.col("churned").alias("churned")
    if "churned_at" in customers.columns and window is not None:
        return pl.col("churned_at").dt.date().is_between(window.start, window.end).fill_null(False).alias("churned")
    return pl.lit(None, pl.Boolean).alias("churned")


def responses(frames: dict[str, pl.DataFrame], groups: pl.DataFrame, kind: str, window: Window | None) -> pl.DataFrame:
    """Survey responses of one type (nps, csat) inside the window, with the responder's group."""
    if "surveys" not in frames:
        return pl.DataFrame(schema={"customer_id": pl.String, "group": pl.String, "score": pl.Float64})
    rows = in_window(frames["surveys"], "responded_at", window).filter(
        (pl.col("type") == kind) & pl.col("score").is_not_null())
    return rows.join(groups.select("customer_id", "group"), on="customer_id").select(
        "customer_id", "group", pl.col("score").cast(pl.Float64))

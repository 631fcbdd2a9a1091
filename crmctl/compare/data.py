"""The units of a comparison: one row per customer of each group, and the survey responses they gave.

Customers are the unit of randomisation: the group is a column of the customers export (a variant,
a segment), or an experiment's variant in the assignments export. Outcomes count inside the window
(--from/--to/--last; default the whole data) and, with an assignment date, only at or after it.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from crmctl.compare.assignments import after_assignment, experiment_units
from crmctl.config import Config
from crmctl.errors import UsageError
from crmctl.domain.periods import Calendar, Window, resolve_window
from crmctl.read.identity import load_resolved

# The fields each dataset gives a comparison, beyond the group column.
WANTED = {"customers": {"customer_id", "churned", "churned_at"},
          "orders": {"customer_id", "ordered_at", "amount"},
          "surveys": {"customer_id", "responded_at", "type", "score"},
          "assignments": {"customer_id", "experiment", "variant", "assigned_at"}}
TIME_FIELD = {"orders": "ordered_at", "surveys": "responded_at"}


def load_units(config: Config, by: str, start: dt.date | None, end: dt.date | None, last: str | None,
               experiment: str | None = None) -> tuple[dict[str, pl.DataFrame], Window | None]:
    """The mapped datasets a comparison can use, read once, and the window their dates resolve to."""
    _check_groups(config, by, experiment)
    wanted = {name: {f for f in fields if f in config.datasets[name].columns}
              for name, fields in WANTED.items() if name in config.datasets}
    if experiment is None:
        wanted["customers"].add(by)
        wanted.pop("assignments", None)
    loaded = load_resolved(config, wanted)
    frames = {name: item.frame for name, item in loaded.items()}
    spans = [_span(frames[name], field) for name, field in TIME_FIELD.items() if name in frames]
    spans = [s for s in spans if s is not None]
    span = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None
    window = resolve_window(start, end, last, span, Calendar("month", config.week_start,
                                                             config.fiscal_year_start_month))
    return frames, window


def _check_groups(config: Config, by: str, experiment: str | None) -> None:
    if experiment is not None:
        if "assignments" not in config.datasets:
            raise UsageError("--experiment needs an assignments dataset: map datasets.assignments (customer_id, "
                             "experiment, variant, assigned_at) in the config (docs/config.md)")
        if by != "variant":
            raise UsageError(f"--experiment compares its variants: drop --by {by} (the groups are the variants)")
        return
    if "customers" not in config.datasets:
        raise UsageError("compare needs a customers dataset: map it under datasets.customers in the config")
    dims = config.dimensions("customers")
    if by not in dims:
        raise UsageError(f"--by {by}: not a column of customers (customer dimensions: {', '.join(dims) or 'none'})")


def sole_experiment(config: Config) -> str | None:
    """The one experiment of the assignments export, which `--by variant` then means; None without an
    assignments dataset; an error naming them when there are several."""
    if "assignments" not in config.datasets:
        return None
    found = load_resolved(config, {"assignments": {"customer_id", "experiment"}})["assignments"].frame
    names = sorted(found.get_column("experiment").drop_nulls().unique().cast(pl.String).to_list())
    if len(names) != 1:
        raise UsageError(f"--by variant: customers has no variant column and the assignments export holds "
                         f"{len(names)} experiments ({', '.join(names[:10]) or 'none'}): choose one with "
                         "--experiment NAME")
    return names[0]


def _span(frame: pl.DataFrame, field: str) -> tuple[dt.date, dt.date] | None:
    days = frame.get_column(field).dt.date().drop_nulls()
    return (days.min(), days.max()) if days.len() else None


def in_window(frame: pl.DataFrame, field: str, window: Window | None) -> pl.DataFrame:
    if window is None:
        return frame.filter(pl.lit(False))
    day = pl.col(field).dt.date()
    return frame.filter(day.is_between(window.start, window.end))


def customer_table(frames: dict[str, pl.DataFrame], by: str, window: Window | None,
                   experiment: str | None = None) -> pl.DataFrame:
    """One row per customer with a group: group, assigned_at, orders and revenue in the window (after the
    assignment), churned (null when the export says nothing about churn). Customers whose group is empty
    are left out (they are in no arm)."""
    if experiment is not None:
        units = experiment_units(frames["assignments"], experiment)
    else:
        customers = frames["customers"].filter(pl.col(by).is_not_null()).unique("customer_id", keep="first")
        units = customers.select("customer_id", group=pl.col(by).cast(pl.String),
                                 assigned_at=pl.lit(None, pl.Datetime("us")))
    table = units.join(_churned(frames.get("customers"), units, window), on="customer_id", how="left")
    if "orders" in frames:
        placed = after_assignment(in_window(frames["orders"], "ordered_at", window), units, "ordered_at")
        orders = placed.group_by("customer_id").agg(
            orders=pl.len().cast(pl.Float64), revenue=pl.col("amount").sum().cast(pl.Float64))
        table = table.join(orders, on="customer_id", how="left").with_columns(
            pl.col("orders", "revenue").fill_null(0.0))
    return table


def _churned(customers: pl.DataFrame | None, units: pl.DataFrame, window: Window | None) -> pl.DataFrame:
    """customer_id, churned: the snapshot flag when mapped (undated, so not limited by the assignment), else
    churned_at inside the window and at or after the assignment; null when nothing is known of the customer."""
    if customers is None or not {"churned", "churned_at"} & set(customers.columns):
        return pl.DataFrame(schema={"customer_id": pl.String, "churned": pl.Boolean})
    customers = customers.unique("customer_id", keep="first")
    if "churned" in customers.columns:
        return customers.select("customer_id", "churned")
    if window is None:
        return customers.select("customer_id", churned=pl.lit(None, pl.Boolean))
    at = pl.col("churned_at")
    dated = customers.join(units.select("customer_id", "assigned_at"), on="customer_id", how="left")
    after = pl.col("assigned_at").is_null() | (at >= pl.col("assigned_at"))
    return dated.select("customer_id", churned=(at.dt.date().is_between(window.start, window.end) & after)
                        .fill_null(False))


def responses(frames: dict[str, pl.DataFrame], groups: pl.DataFrame, kind: str, window: Window | None) -> pl.DataFrame:
    """Survey responses of one type (nps, csat) inside the window and after the assignment, with the
    responder's group."""
    if "surveys" not in frames:
        return pl.DataFrame(schema={"customer_id": pl.String, "group": pl.String, "score": pl.Float64})
    rows = in_window(frames["surveys"], "responded_at", window).filter(
        (pl.col("type") == kind) & pl.col("score").is_not_null())
    return after_assignment(rows, groups, "responded_at").select(
        "customer_id", "group", pl.col("score").cast(pl.Float64))

"""The attributes `crmctl drivers` compares churners and stayers on, one text column each.

Every customer dimension (numeric-looking ones with more than ten values in quintile bins); the NPS
category of the latest NPS response before the window's start; tickets in the 90 days before it;
tenure at it; and each subscription dimension (the plan, say) of the subscription running at it.
A customer without a value gets MISSING, so every customer of the population is in every attribute.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from crmctl.config import Config
from crmctl.read.identity import load_resolved
from crmctl.read.load import Loaded

MISSING = "(missing)"
NUMERIC_MIN_VALUES = 10  # more distinct numbers than this: bins, not one row per number
TICKET_DAYS = 90
TICKET_BUCKETS = ("0", "1", "2-3", "4+")
TENURE_BUCKETS = ("<3 months", "3-12 months", "1-2 years", "2+ years")


def extra_datasets(config: Config, ctx) -> dict[str, Loaded]:
    """The datasets the attributes come from, read with the fields they need (once, ids resolved)."""
    mapped = {name: set(spec.columns) for name, spec in config.datasets.items()}
    wanted: dict[str, set[str]] = {}
    if "customers" in mapped:
        wanted["customers"] = {"customer_id", *config.dimensions("customers")} | (mapped["customers"] & {"created_at"})
    if "surveys" in mapped:
        wanted["surveys"] = {"customer_id", "responded_at", "type", "score"}
    if ctx.window is not None and "tickets" in mapped:
        wanted["tickets"] = {"customer_id", "created_at"}
    if ctx.window is not None and "subscriptions" in mapped and config.dimensions("subscriptions"):
        wanted["subscriptions"] = {"customer_id", "started_at", "ended_at", *config.dimensions("subscriptions")}
    return load_resolved(config, wanted)


def attribute_columns(config: Config, population: pl.DataFrame, start: dt.datetime | None,
                      extras: dict[str, Loaded], nps_scale) -> tuple[pl.DataFrame, dict[str, list[str]]]:
    """customer_id, churned and one String column per attribute; with each bucketed attribute's value order."""
    table, orders = population.select("customer_id", "churned"), {}
    if "customers" in extras:
        customers = extras["customers"].frame.unique("customer_id", keep="last")
        for dim in config.dimensions("customers"):
            column, order = _dimension(population.join(customers.select("customer_id", dim), on="customer_id",
                                                       how="left", maintain_order="left")[dim])
            table = table.with_columns(column.alias(dim))
            if order:
                orders[dim] = order
    if "surveys" in extras:
        table = table.with_columns(nps_category=_nps(population, extras["surveys"].frame, start, nps_scale))
        orders["nps_category"] = ["promoter", "passive", "detractor", "none"]
    if start is None:
        return table, orders
    if "tickets" in extras:
        table = table.with_columns(tickets_90d=_tickets(population, extras["tickets"].frame, start))
        orders["tickets_90d"] = list(TICKET_BUCKETS)
    table = _with_tenure(table, population, extras, start, orders)
    if "subscriptions" in extras:
        for dim in config.dimensions("subscriptions"):
            table = table.with_columns(_running(population, extras["subscriptions"].frame, dim, start).alias(dim))
    return table, orders


def _dimension(values: pl.Series) -> tuple[pl.Series, list[str] | None]:
    """Text as it is; a numeric-looking column with many values in quintile bins (their order too)."""
    numbers = values.cast(pl.String).cast(pl.Float64, strict=False)  # dimensions are held as Categoricals
    present = numbers.drop_nulls()
    if numbers.null_count() != values.null_count() or present.n_unique() <= NUMERIC_MIN_VALUES:
        return values.cast(pl.String).fill_null(MISSING), None
    # Quintile edges taken from the data ("higher": each edge is a value that occurs), so a bin is
    # [edge, next edge) and holds about a fifth of the customers; ties can merge bins.
    breaks = sorted(set(present.quantile(q, "higher") for q in (0.2, 0.4, 0.6, 0.8)) - {present.min()})
    labels = [f"< {_number(breaks[0])}"] + [f"{_number(a)} to < {_number(b)}" for a, b in zip(breaks, breaks[1:])] \
        + [f">= {_number(breaks[-1])}"]
    index = pl.Series(breaks, dtype=pl.Float64).search_sorted(numbers.fill_null(0.0), side="right")
    binned = pl.Series([labels[i] for i in index]).set(numbers.is_null(), MISSING)
    return binned, labels


def _number(value: float) -> str:
    return f"{value:g}"


def _nps(population: pl.DataFrame, surveys: pl.DataFrame, start: dt.datetime | None, scale) -> pl.Expr:
    low, high = scale
    nps = surveys.filter((pl.col("type") == "nps") & pl.col("score").is_between(low, high)
                         & pl.col("customer_id").is_not_null() & pl.col("responded_at").is_not_null())
    if start is not None:
        nps = nps.filter(pl.col("responded_at") < start)
    latest = nps.sort("responded_at").group_by("customer_id").agg(pl.col("score").last())
    score = population.join(latest, on="customer_id", how="left", maintain_order="left")["score"]
    category = pl.when(score >= 9).then(pl.lit("promoter")).when(score >= 7).then(pl.lit("passive")) \
        .when(score.is_not_null()).then(pl.lit("detractor")).otherwise(pl.lit("none"))
    return pl.select(category).to_series()


def _tickets(population: pl.DataFrame, tickets: pl.DataFrame, start: dt.datetime) -> pl.Series:
    recent = tickets.filter(pl.col("created_at").is_between(start - dt.timedelta(days=TICKET_DAYS), start,
                                                            closed="left"))
    counts = recent.group_by("customer_id").agg(_n=pl.len())
    n = population.join(counts, on="customer_id", how="left", maintain_order="left")["_n"].fill_null(0)
    return pl.select(pl.when(n == 0).then(pl.lit("0")).when(n == 1).then(pl.lit("1")).when(n <= 3)
                     .then(pl.lit("2-3")).otherwise(pl.lit("4+"))).to_series()


def _with_tenure(table, population, extras, start, orders):
    """Days from acquisition (customers.created_at, else the first activity) to the window's start."""
    acquired = population["acquired"]
    if "customers" in extras and "created_at" in extras["customers"].frame.columns:
        created = extras["customers"].frame.unique("customer_id", keep="last").select("customer_id", "created_at")
        acquired = population.join(created, on="customer_id", how="left", maintain_order="left").select(
            pl.coalesce("created_at", "acquired")).to_series()
    if acquired.null_count() == acquired.len():
        return table
    days = (pl.lit(start) - pl.lit(acquired)).dt.total_days()
    bucket = pl.when(days < 90).then(pl.lit(TENURE_BUCKETS[0])).when(days < 365).then(pl.lit(TENURE_BUCKETS[1])) \
        .when(days < 730).then(pl.lit(TENURE_BUCKETS[2])).when(days.is_not_null()).then(pl.lit(TENURE_BUCKETS[3])) \
        .otherwise(pl.lit(MISSING))
    orders["tenure"] = [*TENURE_BUCKETS, MISSING]
    return table.with_columns(tenure=pl.select(bucket).to_series())


def _running(population: pl.DataFrame, subscriptions: pl.DataFrame, dim: str, start: dt.datetime) -> pl.Series:
    """The dimension of the subscription running at the window's start (the latest started, if several)."""
    running = subscriptions.filter((pl.col("started_at") < start)
                                   & (pl.col("ended_at").is_null() | (pl.col("ended_at") >= start)))
    latest = running.sort("started_at").group_by("customer_id").agg(pl.col(dim).last().alias("_v"))
    return population.join(latest, on="customer_id", how="left", maintain_order="left")["_v"].cast(pl.String).fill_null(MISSING)

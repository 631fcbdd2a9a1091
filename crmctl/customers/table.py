"""`crmctl customers`: one row per customer as of a date, with the fitted models' predictions.

The orders are read once (e-mail-keyed orders get their customer ids from read.identity), the
summary is one Polars pass (summary.py), the models are fitted on all customers with a first
order by the as-of day, and only then are --where filters, --sort and --top applied: a filter
chooses rows to show, not the population the models learn from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from crmctl.config import Config
from crmctl.customers.fit import MODEL_COLUMNS, TIME_UNIT, fit_models, predict
from crmctl.customers.subscriptions import with_subscription_clv
from crmctl.customers.summary import SUMMARY_COLUMNS, summarise
from crmctl.errors import DataError, UsageError
from crmctl.periods import parse_last
from crmctl.read.identity import fields_to_read, resolve_customers
from crmctl.read.load import Loaded, load_dataset

_OFFSETS = {"day": "d", "week": "w", "month": "mo", "quarter": "q", "year": "y"}


@dataclass(frozen=True)
class CustomersSpec:
    as_of: dt.date | None = None  # None: the data's last order day
    horizon: str = "12m"
    by: tuple[str, ...] = ()
    where: tuple[tuple[str, str], ...] = ()
    sort: str = "-predicted_clv"
    top: int | None = None


def load_orders(config: Config, dims: tuple[str, ...]) -> dict[str, Loaded]:
    """The orders (and the customers, for dimensions or e-mail keys), each read once."""
    if "orders" not in config.datasets:
        raise UsageError("crmctl customers needs an orders dataset: map one under datasets.orders in the config")
    wanted = {"orders": {"customer_id", "ordered_at", "amount"}}
    if dims:
        wanted["customers"] = {"customer_id", *dims}
    wanted = fields_to_read(config, wanted)
    datasets = {name: load_dataset(config.datasets[name], config, fields) for name, fields in wanted.items()}
    resolve_customers(config, datasets)
    return datasets


def horizon_weeks(as_of: dt.date, horizon: str) -> float:
    """The calendar span from `as_of` to `as_of` + horizon (12m: the same day a year on), in weeks."""
    count, unit = parse_last(horizon)
    end = pl.select(pl.lit(as_of).dt.offset_by(f"{count}{_OFFSETS[unit]}")).item()
    return (end - as_of).days / 7.0


def last_day(orders: pl.DataFrame) -> dt.date:
    if orders.height == 0 or orders["ordered_at"].drop_nulls().len() == 0:
        raise DataError("crmctl customers: the orders dataset has no dated orders; check its ordered_at column")
    return orders["ordered_at"].max().date()


def build_customers(config: Config, spec: CustomersSpec) -> tuple[pl.DataFrame, dict]:
    """(rows, meta): the per-customer table and what it was computed from (JSON's meta)."""
    dims = _dimensions(config, spec)
    datasets = load_orders(config, dims)
    orders = datasets["orders"].frame
    as_of = spec.as_of or last_day(orders)
    weeks = horizon_weeks(as_of, spec.horizon)
    summary = summarise(orders.lazy(), as_of).collect().sort("customer_id")
    fitted = fit_models(summary)
    margin, discount = config.definitions.get("gross_margin"), config.knob("discount_rate")
    rows = predict(summary, fitted, weeks, gross_margin=margin, discount_rate=discount)
    rows = with_subscription_clv(rows, config, as_of, fitted.warnings)
    rows = _with_dimensions(rows, datasets, dims)
    rows = _shown(rows, spec)
    meta = {
        "as_of": as_of.isoformat(), "horizon": spec.horizon, "horizon_weeks": weeks, "time_unit": TIME_UNIT,
        "gross_margin": margin, "discount_rate": discount, "customers": summary.height, "rows": rows.height,
        **_row_counts(datasets["orders"]), "models": fitted.meta(), "warnings": fitted.warnings,
    }
    return rows, meta


def _dimensions(config: Config, spec: CustomersSpec) -> tuple[str, ...]:
    known = config.dimensions("customers")
    wanted = tuple(dict.fromkeys([*spec.by, *(name for name, _ in spec.where)]))
    for name in wanted:
        if name not in known:
            listed = ", ".join(known) or "none mapped"
            raise UsageError(f"{name!r} is not a customer dimension (customer dimensions: {listed})")
    return wanted


def _with_dimensions(rows: pl.DataFrame, datasets: dict[str, Loaded], dims: tuple[str, ...]) -> pl.DataFrame:
    if not dims:
        return rows
    customers = datasets["customers"].frame.unique("customer_id", keep="last").select("customer_id", *dims)
    joined = rows.join(customers, on="customer_id", how="left")
    return joined.select("customer_id", *dims, *SUMMARY_COLUMNS[1:], *MODEL_COLUMNS)


def _shown(rows: pl.DataFrame, spec: CustomersSpec) -> pl.DataFrame:
    for name, value in spec.where:
        rows = rows.filter(pl.col(name).cast(pl.String) == value)
    descending = spec.sort.startswith("-")
    column = spec.sort.lstrip("-+")
    if column not in rows.columns:
        raise UsageError(f"--sort {spec.sort!r}: no column {column!r} (columns: {', '.join(rows.columns)})")
    rows = rows.sort([column, "customer_id"], descending=[descending, False], nulls_last=True)
    return rows.head(spec.top) if spec.top is not None else rows


def _row_counts(loaded: Loaded) -> dict:
    return {"rows_read": loaded.rows_read, "rows_skipped": loaded.rows_skipped}

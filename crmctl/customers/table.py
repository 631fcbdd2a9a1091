"""`crmctl customers`: one row per customer as of a date, with the fitted models' predictions.

The orders are read once (e-mail-keyed orders get their customer ids from read.identity), the
summary is one Polars pass (summary.py), the models are fitted on all customers with a first
order by the as-of day, and only then are --where filters, --sort and --top applied: a filter
chooses rows to show, not the population the models learn from.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

from crmctl.config import Config
from crmctl.customers.fit import TIME_UNIT, predictions, with_clv_notes
from crmctl.customers.selection import customer_dimensions, shown, sort_key
from crmctl.customers.subscriptions import with_subscription_clv
from crmctl.domain.datasets import CANONICAL
from crmctl.domain.results import CustomerTable
from crmctl.errors import DataError, UsageError
from crmctl.domain.timeline import span_weeks
from crmctl.read.identity import load_resolved
from crmctl.read.load import Loaded
from crmctl.report.assumptions import clv_margin_note

@dataclass(frozen=True)
class CustomersSpec:
    as_of: dt.date | None = None  # None: the data's last order day
    horizon: str = "12m"
    by: tuple[str, ...] = ()
    where: tuple[tuple[str, str], ...] = ()
    sort: str = "-predicted_clv"
    top: int | None = None
    feedback: str | None = None  # "promoters" or "detractors" (feedback.py)
    recent: int = 90  # days: how recent a promoter's score must be


def load_orders(config: Config, dims: tuple[str, ...]) -> dict[str, Loaded]:
    """The orders (and the customers, for dimensions or e-mail keys), each read once."""
    if "orders" not in config.datasets:
        raise UsageError("crmctl customers needs an orders dataset: map one under datasets.orders in the config")
    wanted = {"orders": {"customer_id", "ordered_at", "amount"}}
    if dims:
        wanted["customers"] = {"customer_id", *dims}
    return load_resolved(config, wanted)


def last_day(orders: pl.DataFrame) -> dt.date:
    if orders.height == 0 or orders["ordered_at"].drop_nulls().len() == 0:
        raise DataError("crmctl customers: the orders dataset has no dated orders; check its ordered_at column")
    return orders["ordered_at"].max().date()


def build_customers(config: Config, spec: CustomersSpec) -> CustomerTable:
    """The per-customer table and what it was computed from (JSON's meta)."""
    by = customer_dimensions(config, spec.by, spec.where)
    dims = (*by, *(d for d in config.dimensions("customers") if d not in by))
    datasets = load_all(config, dims)
    as_of = spec.as_of or default_as_of(datasets)
    weeks = span_weeks(as_of, spec.horizon) if as_of is not None else None
    with ThreadPoolExecutor(max_workers=1) as pool:
        # Polars releases the GIL: the other datasets' columns are computed while numpy and SciPy fit the models.
        signals = pool.submit(_signals, config, datasets, as_of)
        modelled, meta = _modelled(config, datasets, as_of, weeks)
        rows = _joined(config, datasets, as_of, dims, modelled, signals.result())
    if spec.feedback is not None:
        from crmctl.customers.feedback import feedback_list

        rows, meta["list"] = feedback_list(rows, spec.feedback, as_of, spec.recent)
    rows = _shown(rows, spec)
    main = datasets.get("orders") or datasets.get("customers")
    meta = {"as_of": None if as_of is None else as_of.isoformat(), "by": list(by), "horizon": spec.horizon,
            "horizon_weeks": weeks,
            "time_unit": TIME_UNIT, **meta, "rows": rows.height, **_row_counts(main),
            "datasets": sorted(datasets), "models": meta["models"],
            "warnings": [w for loaded in datasets.values() for w in loaded.account_warnings()] + meta["warnings"]}
    return CustomerTable(rows, meta)


def load_all(config: Config, dims: tuple[str, ...]) -> dict[str, Loaded]:
    """Every dataset the 360° row reads, each read once, with customer ids resolved."""
    from crmctl.customers.profile import wanted_fields

    if not {"customers", "orders"} & set(config.datasets):
        raise UsageError("crmctl customers needs a customers or an orders dataset (its rows are their customers): "
                         "map one under datasets in the config")
    wanted = wanted_fields(config)
    if "orders" in config.datasets:
        wanted["orders"] = {"customer_id", "ordered_at", "amount"}
    if "customers" in config.datasets:
        mapped = set(config.datasets["customers"].columns)
        wanted["customers"] = {"customer_id", *dims, *({"created_at", "churned", "churned_at"} & mapped)}
    return load_resolved(config, wanted)


def default_as_of(datasets: dict[str, Loaded]) -> dt.date | None:
    """The last order day; without orders the last day any dataset dates; None for an undated snapshot."""
    if "orders" in datasets:
        return last_day(datasets["orders"].frame)
    days = [loaded.frame[field].max() for name, loaded in datasets.items()
            if (field := CANONICAL[name].time_field) in loaded.frame.columns]
    days = [d for d in days if d is not None]
    return max(days).date() if days else None


def _modelled(config: Config, datasets: dict[str, Loaded], as_of, weeks) -> tuple[pl.DataFrame | None, dict]:
    """The order summary with the models' predictions (None without orders), and the meta it adds."""
    margin, discount = config.definitions.get("gross_margin"), config.knob("discount_rate")
    meta = {"gross_margin": margin, "clv_margin": clv_margin_note(margin), "discount_rate": discount, "customers": 0,
            "models": {"bg_nbd": None, "gamma_gamma": None}, "warnings": []}
    if "orders" not in datasets:
        return None, meta
    rows, fitted = predictions(config, datasets["orders"].frame, as_of, weeks)
    subscriptions = datasets["subscriptions"].frame if "subscriptions" in datasets else None
    rows = with_clv_notes(with_subscription_clv(rows, config, as_of, fitted.warnings, subscriptions), fitted)
    meta.update(customers=rows.height, models=fitted.meta(), warnings=fitted.warnings)
    return rows, meta


def _signal_frames(datasets: dict[str, Loaded], *, but: tuple[str, ...]) -> dict[str, pl.LazyFrame]:
    return {name: loaded.frame.lazy() for name, loaded in datasets.items() if name not in ("orders", "customers", *but)}


def _signals(config: Config, datasets: dict[str, Loaded], as_of) -> dict[str, pl.DataFrame]:
    """The 360° columns of every dataset but subscriptions (whose dimension columns are named after the
    table's, known once the models are in), collected."""
    from crmctl.customers.profile import profile_columns

    if as_of is None:
        return {}
    parts = profile_columns(_signal_frames(datasets, but=("subscriptions",)), as_of, config, taken=set())
    return dict(zip(parts, pl.collect_all(parts.values())))


def _joined(config: Config, datasets: dict[str, Loaded], as_of, dims, modelled,
            signals: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """customers ∪ customers with an order, each with its columns from every dataset (one join each; `signals`:
    the columns already collected)."""
    from crmctl.customers.profile import ZERO_WHEN_ABSENT, customer_columns, profile_columns

    parts = []
    if "customers" in datasets:
        parts.append(customer_columns(datasets["customers"].frame.lazy(), as_of, dims))
    if modelled is not None:
        parts.append(modelled.lazy())
    ids = pl.concat([p.select("customer_id") for p in parts]).unique()
    rows = ids
    for part in parts:
        rows = rows.join(part, on="customer_id", how="left")
    taken = set(rows.collect_schema().names())
    if as_of is not None:
        for name, part in profile_columns(_signal_frames(datasets, but=()), as_of, config, taken).items():
            rows = rows.join(signals[name].lazy() if name in signals else part, on="customer_id", how="left")
    names = rows.collect_schema().names()
    rows = rows.with_columns(pl.col(c).fill_null(0) for c in ZERO_WHEN_ABSENT if c in names)
    if "clv_note" in names:  # a customer of the customers export without an order has nothing to predict from
        rows = rows.with_columns(clv_note=pl.when(pl.col("predicted_clv").is_null()).then(
            pl.coalesce("clv_note", pl.lit(f"no prediction: no orders by {as_of}"))))
    return rows.collect().sort("customer_id")


def _shown(rows: pl.DataFrame, spec: CustomersSpec) -> pl.DataFrame:
    column, descending = sort_key(spec.sort)
    if column not in rows.columns and spec.sort == CustomersSpec.sort:
        column, descending = "customer_id", False  # no orders, no predicted CLV: the default order is by id
    if column not in rows.columns:
        raise UsageError(f"--sort {spec.sort!r}: no column {column!r} (columns: {', '.join(rows.columns)})")
    return shown(rows, spec.where, spec.top, [column], [descending])


def _row_counts(loaded: Loaded) -> dict:
    return {"rows_read": loaded.rows_read, "rows_skipped": loaded.rows_skipped}

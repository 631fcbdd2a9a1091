"""Which rows a customer list shows: --where, --sort and --top, applied after the models have learned from
every customer (a filter chooses rows to show, not the population), and the dimensions they name."""

from __future__ import annotations

import polars as pl

from crmctl.config import Config
from crmctl.errors import UsageError


def customer_dimensions(config: Config, by: tuple[str, ...], where: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """The customer dimensions --by and --where name, each checked to be one."""
    known = config.dimensions("customers")
    wanted = tuple(dict.fromkeys([*by, *(name for name, _ in where)]))
    for name in wanted:
        if name not in known:
            listed = ", ".join(known) or "none mapped"
            raise UsageError(f"{name!r} is not a customer dimension (customer dimensions: {listed})")
    return wanted


def shown(rows: pl.DataFrame, where, top: int | None, keys: list[str], descending: list[bool]) -> pl.DataFrame:
    """The rows matching every --where pair, sorted by `keys` (then by id, so ties have one order; nulls
    last), the first `top` of them."""
    for name, value in where:
        rows = rows.filter(pl.col(name).cast(pl.String) == value)
    rows = rows.sort([*keys, "customer_id"], descending=[*descending, False], nulls_last=True)
    return rows.head(top) if top is not None else rows


def sort_key(sort: str) -> tuple[str, bool]:
    """`-COLUMN` (descending) or `COLUMN` / `+COLUMN` (ascending) → the column and whether descending."""
    return sort.lstrip("-+"), sort.startswith("-")

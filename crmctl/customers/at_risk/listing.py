"""The at-risk list: the scored customers whose score reaches `risk.min_score`, with dimensions,
filtered, sorted and cut as `crmctl customers` does."""

from __future__ import annotations

import polars as pl

from crmctl.config import Config
from crmctl.customers.at_risk.score import AtRiskSpec, load_risk_data, score_customers
from crmctl.customers.selection import customer_dimensions, shown, sort_key
from crmctl.customers.table import last_day
from crmctl.domain.results import AtRiskList
from crmctl.errors import UsageError

# Signed on purpose: an unsigned --sort on these means "most at stake first" (docs/customers.md).
_DESCENDING_BY_DEFAULT = ("score", "value_at_risk")


def build_at_risk(config: Config, spec: AtRiskSpec) -> AtRiskList:
    dims = customer_dimensions(config, spec.by, spec.where)
    datasets = load_risk_data(config, dims)
    as_of = spec.as_of or last_day(datasets["orders"].frame)
    scored = score_customers(config, datasets, as_of, spec.horizon)
    rows = scored.rows.filter(pl.col("score") >= config.risk.min_score)
    flagged = rows.height  # before --where and --top choose which are shown
    if dims:
        customers = datasets["customers"].frame.unique("customer_id", keep="last").select("customer_id", *dims)
        rows = rows.join(customers, on="customer_id", how="left")
    rows = _shown(_ordered(rows, dims), spec)
    warnings = [w for loaded in datasets.values() for w in loaded.account_warnings()] + scored.meta["warnings"]
    return AtRiskList(rows, {**scored.meta, "warnings": warnings, "at_risk": flagged, "shown": rows.height,
                             "rows_read": datasets["orders"].rows_read, "rows_skipped": datasets["orders"].rows_skipped},
                      dims)


def _ordered(rows: pl.DataFrame, dims: tuple[str, ...]) -> pl.DataFrame:
    first = ["customer_id", *dims, "score", "value_at_risk", "value_basis", "reasons"]
    return rows.select(*first, *(c for c in rows.columns if c not in first))


def _shown(rows: pl.DataFrame, spec: AtRiskSpec) -> pl.DataFrame:
    """--sort first when given, then the most at stake: score and value at risk, highest first."""
    keys, descending = [], []
    if spec.sort:
        column, minus = sort_key(spec.sort)
        if column not in rows.columns or column == "reasons":
            raise UsageError(f"--sort {spec.sort!r}: no sortable column {column!r} (e.g. score, value_at_risk, "
                             "days_since_order)")
        keys.append(column)
        descending.append(minus or (column in _DESCENDING_BY_DEFAULT and not spec.sort.startswith("+")))
    for column in ("score", "value_at_risk"):
        if column not in keys:
            keys.append(column)
            descending.append(True)
    return shown(rows, spec.where, spec.top, keys, descending)

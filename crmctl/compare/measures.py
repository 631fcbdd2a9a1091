"""The metrics a comparison can test, each defined per customer of a group (docs/statistics.md).

`inputs(units, responses)` gives each group's data for its estimator kind; `needs` says what must
be mapped, as (dataset, field) pairs, so a metric that cannot be computed is left out with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import polars as pl

from crmctl.domain.requirements import Requirement


@dataclass(frozen=True)
class Measure:
    name: str
    title: str
    unit: str  # ratio, money, score: how the table shows values
    kind: str  # an estimators.KINDS key
    needs: tuple[str, ...]  # requirements, as metrics declare them (domain/requirements.py)
    survey: str | None  # the survey type whose responses are the units, else None (customers)
    inputs: Callable  # (group's customer rows or responses, config) -> the estimator's data
    description: str


def _share(condition: pl.Expr, among: pl.Expr | None = None):
    def build(rows: pl.DataFrame, config):
        base = rows.filter(among) if among is not None else rows
        return int(base.select(condition.sum()).item() or 0), base.height
    return build


def _churn(rows: pl.DataFrame, config):
    known = rows.filter(pl.col("churned").is_not_null())
    return int(known.get_column("churned").sum() or 0), known.height


def _column(name: str):
    return lambda rows, config: rows.get_column(name).to_numpy()


def _aov(rows: pl.DataFrame, config):
    return rows.get_column("revenue").to_numpy(), rows.get_column("orders").to_numpy()


def _nps(rows: pl.DataFrame, config):
    score = pl.col("score")
    return (int(rows.select((score >= 9).sum()).item()), int(rows.select((score <= 6).sum()).item()), rows.height)


def _csat(rows: pl.DataFrame, config):
    return int(rows.select((pl.col("score") >= config.knob("csat_satisfied_min")).sum()).item()), rows.height


_ORDERS = ("orders.amount",)
MEASURES: tuple[Measure, ...] = (
    Measure("conversion_rate", "Conversion rate", "ratio", "proportion", _ORDERS, None,
            _share(pl.col("orders") >= 1), "customers with at least one order in the window ÷ customers"),
    Measure("repeat_purchase_rate", "Repeat purchase rate", "ratio", "proportion", _ORDERS, None,
            _share(pl.col("orders") >= 2, pl.col("orders") >= 1),
            "customers with two or more orders in the window ÷ customers with at least one"),
    Measure("churn_rate", "Churn rate", "ratio", "proportion", ("customers.churned|churned_at",), None,
            _churn, "customers flagged churned (or whose churned_at falls in the window) ÷ customers"),
    Measure("revenue_per_customer", "Revenue per customer", "money", "mean", _ORDERS, None,
            _column("revenue"), "mean revenue in the window over all customers of the group, 0 for non-buyers"),
    Measure("average_order_value", "Average order value", "money", "ratio", _ORDERS, None,
            _aov, "revenue ÷ orders in the window, per-customer sums; delta-method variance"),
    Measure("nps", "NPS", "score", "nps", ("surveys.score",), "nps",
            _nps, "% promoters (9–10) − % detractors (0–6) of the group's NPS responses in the window"),
    Measure("csat", "CSAT", "ratio", "proportion", ("surveys.score",), "csat",
            _csat, "CSAT responses in the window with score ≥ csat_satisfied_min ÷ CSAT responses"),
)
BY_NAME = {m.name: m for m in MEASURES}


def missing(measure: Measure, config) -> str | None:
    """Why a measure cannot be computed with this config, or None."""
    for requirement in map(Requirement.parse, measure.needs):
        spec = config.datasets.get(requirement.dataset)
        if spec is None:
            return f"needs the {requirement.dataset} dataset"
        if not any(f in spec.columns for f in requirement.fields):
            return f"needs {requirement.dataset}.{' or '.join(requirement.fields)}"
    return None

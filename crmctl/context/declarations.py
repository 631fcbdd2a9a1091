"""The group_bys a report's metrics declare, one per dataset and time field, before anything is computed.

Metrics of one dataset and time field share one group_by (Polars computes it once for all of collect_all
only when it is the same plan), so each declares its aggregations up front. A metric's `aggregates` sees
only what it may look at then: the knobs of the definitions and the dataset's columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from crmctl.config import Config
from crmctl.domain.datasets import CANONICAL


@dataclass
class Declarations:
    config: Config
    schemas: dict[str, pl.Schema]  # dataset -> its held frame's columns
    # (dataset, time field) -> name -> aggregation
    by_key: dict[tuple[str, str], dict[str, pl.Expr]] = field(default_factory=dict)

    def knob(self, name: str):
        return self.config.knob(name)

    def columns(self, dataset: str) -> list[str]:
        return self.schemas[dataset].names()

    def declare(self, dataset: str, time_field: str | None, aggregations: dict[str, pl.Expr]) -> dict:
        """Adds a metric's aggregations to the one group_by of its dataset and time field. A name means one
        aggregation: metrics that need the same statistic (revenue and average order value: the sum of
        amounts) declare it under the same name and share it."""
        key = (dataset, time_field or CANONICAL[dataset].time_field)
        declared = self.by_key.setdefault(key, {})
        for name, expr in aggregations.items():
            if name in declared and not declared[name].meta.eq(expr):
                raise ValueError(f"two metrics declare different aggregations named {name!r} over {key}")
            declared.setdefault(name, expr)
        return declared

    def declare_all(self, metrics, dataset: str | None = None) -> None:
        """Every aggregation the `metrics` declare (over `dataset` only, when given)."""
        for metric in metrics:
            if metric.aggregates and (dataset is None or metric.dataset == dataset):
                self.declare(metric.dataset, metric.time_field, metric.aggregates(self))

"""What a metric is: one declaration with its definition and the Polars plan that computes it.

A base metric's `plan` returns one row per (period_start, *by) with `numerator`, `denominator`,
`n` (observations) and optionally `excluded` (rows it left out, e.g. scores off the scale); report.py turns that into `value` (numerator ÷ denominator × scale for
ratios, numerator for totals), fills empty periods and adds notes. A derived metric's `derive`
builds the same columns from other metrics' filled results (e.g. growth from revenue).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Callable

from crmctl.domain.requirements import Requirement
from crmctl.domain.units import UNITS  # noqa: F401  (re-exported beside the declarations that name a unit)

if TYPE_CHECKING:
    import polars as pl

    from crmctl.context.frames import ReportContext


@dataclass(frozen=True)
class Metric:
    name: str
    title: str
    family: str
    unit: str
    description: str  # the formula in words; docs/metrics.md and `crmctl metrics` show it
    requires: tuple[str, ...]  # "dataset.field" ("dataset.a|b": either); the first names the metric's dataset
    higher_is_better: bool | None = True
    kind: str = "ratio"  # ratio: numerator ÷ denominator × scale; total: numerator
    scale: float = 1.0
    numerator: str = ""  # what the numerator counts, in words
    denominator: str = ""  # what the denominator counts; a null value is explained as "no <denominator>"
    excluded: str = ""  # rows a plan leaves out (column `excluded`), noted as "<count> <excluded>"
    additive: bool = False  # a sum or count: 0, not null, for a period with no rows inside the data
    time_field: str | None = None  # which timestamp places a row in a period (default: the dataset's)
    plan: Callable[[ReportContext], pl.LazyFrame] | None = None
    derive: Callable[[ReportContext, dict], pl.LazyFrame] | None = None
    depends_on: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()  # "dataset.field" read when mapped (e.g. subscriptions.ended_at)
    members: Callable[[ReportContext], pl.LazyFrame] | None = None  # keys + `id` of what the numerator counts
    # name -> aggregation over the metric's dataset by its time_field, that `plan` reads from ctx.aggregate:
    # declared up front so that the metrics of one dataset and time field share one group_by.
    aggregates: Callable[[ReportContext], dict[str, pl.Expr]] | None = None
    # Which confidence interval `--ci` gives the value (docs/statistics.md, "In reports"): "wilson"
    # (numerator successes of denominator trials), "nps" (plan adds promoters, detractors), "mean"
    # (plan adds sd), "quantile" (plan adds `values`, the sorted sample), None: not a sample (totals,
    # counts, derived ratios) or no method here.
    interval: str | None = None
    quantile: float = 0.5  # which quantile a "quantile" metric is (0.5 median, 0.9 p90)

    @cached_property
    def requirements(self) -> tuple[Requirement, ...]:
        """`requires`, parsed (domain/requirements.py): the one place its text is read."""
        return tuple(Requirement.parse(item) for item in self.requires)

    @cached_property
    def optional_requirements(self) -> tuple[Requirement, ...]:
        return tuple(Requirement.parse(item) for item in self.optional)

    @property
    def dataset(self) -> str:
        return self.requirements[0].dataset

    @property
    def fields(self) -> dict[str, set[str]]:
        """Dataset -> every field the metric reads when mapped (each alternative of a requirement)."""
        needed: dict[str, set[str]] = {}
        for requirement in (*self.requirements, *self.optional_requirements):
            needed.setdefault(requirement.dataset, set()).update(requirement.fields)
        return needed

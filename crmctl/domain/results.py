"""Per-row answers of the commands beyond the report, as typed objects: their rows, the facts about them
that JSON's `meta` carries, the warnings to print, and the name of the view that shows them.

Every view (render/views.py) is chosen by `view`, so render/ never imports the packages above it that
build these, and each kind says in one place what its views may rely on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass
class RowsResult:
    rows: Any  # a polars DataFrame: one row per customer, bucket, rule, group …
    meta: dict = field(default_factory=dict)
    view: ClassVar[str] = "rows"

    @property
    def warnings(self) -> list[str]:
        return list(self.meta.get("warnings") or [])

    def __iter__(self):
        """Unpacks (and indexes) as `rows, meta`, the pair these results were before they were typed."""
        return iter((self.rows, self.meta))

    def __getitem__(self, index: int):
        return (self.rows, self.meta)[index]


@dataclass
class CustomerTable(RowsResult):
    """`crmctl customers`: one row per customer as of a date, with the models' predictions."""
    view: ClassVar[str] = "customers"


@dataclass
class HoldoutCheck(RowsResult):
    """`crmctl customers --validate`: predicted against actual orders after the as-of day."""
    view: ClassVar[str] = "holdout"


@dataclass
class AtRiskList(RowsResult):
    """`crmctl customers --at-risk`: the flagged customers with score, value at risk and reasons."""
    dims: tuple[str, ...] = ()  # the customer dimensions shown beside each
    view: ClassVar[str] = "at_risk"


@dataclass
class Backtest(RowsResult):
    """`--at-risk --backtest`: precision, recall and lift of each rule against churn after the as-of day."""
    view: ClassVar[str] = "backtest"


@dataclass
class FittedWeights(RowsResult):
    """`--at-risk --fit-weights`: weights fitted to churn, and the `risk:` block to paste."""
    view: ClassVar[str] = "fit_weights"

    @property
    def risk_block(self) -> str:
        return self.meta["risk_block"]


@dataclass
class Comparison(RowsResult):
    """`crmctl compare`: each group of one dimension (or experiment variant) against the control."""
    view: ClassVar[str] = "comparison"


@dataclass
class CohortTable(RowsResult):
    """`crmctl cohorts`: the long retention triangle, one row per cohort × period index."""
    view: ClassVar[str] = "cohorts"


@dataclass
class Records:
    """A list of flat records with their columns: the metric catalogue, a sample-size plan."""
    columns: list[str]
    records: list[dict]
    title: str | None = None  # the table's title, and how a refusal names the command
    single: bool = False  # one record by nature (a plan): JSON is that object, not a list of one
    view: ClassVar[str] = "records"


@dataclass
class Catalogue(Records):
    """`crmctl metrics`: the metric catalogue; a table shows it as a compact list."""
    view: ClassVar[str] = "catalogue"


@dataclass
class Explanation:
    """`crmctl explain`: where one number comes from, as the nested record JSON shows."""
    details: dict
    view: ClassVar[str] = "explanation"


@dataclass
class CleanedFiles:
    """`crmctl convert` without a config: per file, what was written, dropped and repaired."""
    results: list  # read.clean.CleanSummary or FailedFile, each with to_dict()
    view: ClassVar[str] = "clean"

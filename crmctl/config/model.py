"""The validated config: frozen objects that the rest of crmctl reads, and the vocabulary of its keys."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from crmctl.domain.datasets import CANONICAL
from crmctl.config.definitions import KNOBS
from crmctl.config.history import HistorySpec
from crmctl.config.risk import RiskSpec
from crmctl.config.source import Source
from crmctl.config.targets import Target

PERIODS = ("day", "week", "month", "quarter", "year", "all")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
COMPARE = ("previous", "year")
DEFAULT_NULLS = ("", "NA", "N/A", "#N/A", "null", "NULL", "None", "-")

TOP_KEYS = ("version", "timezone", "week_start", "fiscal_year_start_month", "currency", "datasets", "report",
            "definitions", "targets", "benchmarks", "custom_metrics", "risk",
            "history")
DATASET_KEYS = ("path", "source", "columns", "where", "delimiter", "header", "encoding", "null_values",
                "max_invalid_ratio", "deduplicate")
COLUMN_KEYS = ("column", "format", "values", "decimal_comma", "scale", "type")
REPORT_KEYS = ("period", "by", "metrics", "family", "from", "to", "last", "compare", "confidence", "min_n")


@dataclass(frozen=True)
class Column:
    field: str
    column: str
    kind: str
    format: str | None = None
    values: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    decimal_comma: bool = False
    scale: float | None = None  # numbers are multiplied by it after parsing (Stripe's cents: 0.01)


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    path: str  # as written, relative to the config file
    paths: tuple[Path | str, ...]  # absolute patterns (may be globs); object-store URLs as str
    columns: Mapping[str, Column]
    where: Mapping[str, tuple[str, ...]]
    delimiter: str | None = None  # one character, or WHITESPACE: runs of spaces and tabs
    header: bool = True  # False: no header row; columns are named column_1, column_2 …
    null_values: tuple[str, ...] = DEFAULT_NULLS
    max_invalid_ratio: float = 0.01
    encoding: str | None = None  # None: UTF-8 (with or without BOM)
    deduplicate: bool = True  # rows repeating an id (overlapping exports): keep the last
    timezone: str = "UTC"  # the config's: naive timestamps are read in it (the reader needs no Config)
    source: Source | None = None  # a database table or query instead of files (config/source.py); paths is ()


@dataclass(frozen=True)
class ReportSpec:
    period: str = "month"
    by: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    family: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    last: str | None = None
    compare: str | None = None
    ci: bool = False  # --ci: ci_low and ci_high on every sampled value
    confidence: float | None = None  # of intervals and tests; None: crmctl.stats.DEFAULT_CONFIDENCE
    min_n: int | None = None  # tables dim sampled values from fewer observations; None: crmctl.stats.MIN_N
    suppress_below: int | None = None  # --min-n: such values become null with the note "n < N"


@dataclass(frozen=True)
class Config:
    path: Path
    timezone: str = "UTC"
    week_start: str = "monday"
    fiscal_year_start_month: int = 1
    currency: str | None = None
    datasets: Mapping[str, DatasetSpec] = field(default_factory=lambda: MappingProxyType({}))
    report: ReportSpec = ReportSpec()
    definitions: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    targets: Mapping[str, Target] = field(default_factory=lambda: MappingProxyType({}))
    custom_metrics: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))  # name -> CustomSpec
    benchmarks: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: MappingProxyType({}))
    risk: RiskSpec = RiskSpec()  # the at-risk score (config/risk.py)
    history: HistorySpec | None = None  # where runs append what they reported; None: off (config/history.py)

    def knob(self, name: str):
        return self.definitions.get(name, KNOBS[name].default)

    def dimensions(self, dataset: str) -> list[str]:
        """The mapped free-text fields of a dataset: what --by can split its metrics by."""
        spec = self.datasets.get(dataset)
        if spec is None:
            return []
        return [f for f, c in spec.columns.items() if c.kind == "text" and CANONICAL[dataset].kind(f) == "text"]

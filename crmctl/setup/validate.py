"""`crmctl validate`: check the config and every mapped file without computing metrics.

Findings have a level: `error` (the data cannot be used as configured: exit 4), `warning` (rows or
values are left out or doubtful; exit 4 only with --strict) and `info` (expected clean-up such as
blank and footer lines).
"""

from __future__ import annotations

from typing import ClassVar

from dataclasses import asdict, dataclass
from dataclasses import field as _default
from pathlib import Path

import polars as pl

from crmctl.config import Config
from crmctl.errors import DataError
from crmctl.metrics.catalogue import check_metric_names
from crmctl.read.identity import Unresolved, locate, resolve_customers
from crmctl.read.load import Loaded, load_dataset

EXAMPLES = 5
INFO_REASONS = ("blank line", "footer or note line")


@dataclass
class Finding:
    level: str  # error | warning | info
    dataset: str
    message: str
    field: str | None = None
    count: int | None = None
    rows: list[int] = _default(default_factory=list)
    examples: list[str] = _default(default_factory=list)


@dataclass
class Validation:
    datasets: dict[str, dict] = _default(default_factory=dict)
    findings: list[Finding] = _default(default_factory=list)
    view: ClassVar[str] = "validation"

    def failed(self, strict: bool) -> bool:
        return any(f.level == "error" or (strict and f.level == "warning") for f in self.findings)

    def as_dict(self) -> dict:
        return {"datasets": self.datasets, "findings": [asdict(f) for f in self.findings]}


def validate(config: Config) -> Validation:
    check_metric_names(config)  # a config error (exit 3) before any file is read
    result = Validation()
    loaded: dict[str, Loaded] = {}
    for name, spec in config.datasets.items():
        try:
            loaded[name] = load_dataset(spec, None, quality=True)
        except DataError as error:
            result.findings.append(Finding("error", name, str(error)))
    unresolved = resolve_customers(config, loaded)  # before the summaries: unmatched rows may be skipped
    # Rows skipped for an unmatched e-mail get their own finding with examples (_unmatched_keys).
    examined = {u.dataset: {r for r in u.skip_reasons if not r.endswith("missing")} for u in unresolved}
    for data in loaded.values():
        result.datasets[data.name] = _summary(data)
        result.findings += _row_findings(data, examined.get(data.name, set()))
    result.findings += _unmatched_keys(config, unresolved)
    result.findings += _unknown_customers(loaded) + _scores_off_scale(config, loaded)
    return result


def _summary(data: Loaded) -> dict:
    quality = data.quality
    fields = {}
    for column in [c[len("_has_"):] for c in quality.columns if c.startswith("_has_")]:
        filled = int(quality[f"_has_{column}"].sum())
        invalid = data.invalid[column].count if column in data.invalid else 0
        fields[column] = {
            "completeness": filled / quality.height if quality.height else None,
            "parse_rate": (filled - invalid) / filled if filled else None,
            "invalid": invalid,
        }
    return {"files": [str(f) for f in data.files], "rows_read": data.rows_read, "rows_used": data.rows_used,
            "rows_filtered": data.rows_filtered, "rows_skipped": data.rows_skipped,
            "skipped_because": data.skipped_because, "fields": fields}


# Besides text that is no value: numbers beyond float range (1e400) and dates outside 1900-2099 (read/cells.py).
_INVALID = "do not parse or are out of range"


def _row_findings(data: Loaded, shown_elsewhere: set[str]) -> list[Finding]:
    out = []
    for reason, count in data.skipped_because.items():
        if reason in shown_elsewhere:
            continue
        level = "info" if reason in INFO_REASONS else "warning"
        out.append(Finding(level, data.name, f"{count} rows skipped: {reason}", count=count))
    for name, issue in data.invalid.items():
        out.append(Finding("warning", data.name, f"{issue.count} values of {name} {_INVALID}", field=name,
                           count=issue.count, rows=[r for _, r, _ in issue.examples],
                           examples=[v for _, _, v in issue.examples]))
    quality = data.quality
    for flag, message in (("_duplicate", "rows repeat an id"), ("_implausible", "rows have a date in the future or "
                                                                               "before 1990")):
        hit = quality.filter(pl.col(flag))
        if hit.height:
            out.append(Finding("warning", data.name, f"{hit.height} {message}", count=hit.height,
                               rows=hit["_row"].head(EXAMPLES).to_list()))
    return out


def _unmatched_keys(config: Config, unresolved: list[Unresolved]) -> list[Finding]:
    """Rows whose e-mail (or other alternate key) found no single customer, with (file, row, value) examples."""
    out = []
    for found in unresolved:
        for count, values, what in ((found.unmatched, found.unmatched_values, f"match no customer by {found.by}"),
                                    (found.ambiguous, found.ambiguous_values,
                                     f"carry a {found.by} that several customers share")):
            if not count:
                continue
            spec = config.datasets[found.dataset]
            located = [hit for key in found.keys for hit in locate(spec, key, values)][:EXAMPLES]
            out.append(Finding("warning", found.dataset, f"{count} rows {what} ({found.fate})", field=found.keys[0],
                               count=count, rows=[row for _, row, _ in located],
                               examples=[f"{Path(file).name} row {row}: {cell!r}" for file, row, cell in located]))
    return out


def _unknown_customers(loaded: dict[str, Loaded]) -> list[Finding]:
    if "customers" not in loaded:
        return []
    known = loaded["customers"].frame.select("customer_id").unique()
    out = []
    for name, data in loaded.items():
        if name == "customers" or "customer_id" not in data.frame.columns:
            continue
        ids = data.frame.select("customer_id").drop_nulls().unique()
        unknown = ids.join(known, on="customer_id", how="anti")["customer_id"].sort()
        if unknown.len():
            out.append(Finding("warning", name, f"{unknown.len()} customer ids are not in customers (their rows "
                                                f"fall in the (none) segment)", field="customer_id",
                               count=unknown.len(), examples=unknown.head(EXAMPLES).to_list()))
    return out


def _scores_off_scale(config: Config, loaded: dict[str, Loaded]) -> list[Finding]:
    surveys = loaded.get("surveys")
    if surveys is None or "score" not in surveys.frame.columns:
        return []
    out = []
    for survey in ("nps", "csat", "ces"):
        low, high = config.knob(f"{survey}_scale")
        off = surveys.frame.filter((pl.col("type") == survey) & ~pl.col("score").is_between(low, high))
        if off.height:
            out.append(Finding("warning", "surveys", f"{off.height} {survey.upper()} scores are outside "
                                                     f"{low}–{high} and are excluded", field="score",
                               count=off.height, examples=[str(v) for v in off["score"].head(EXAMPLES)]))
    return out

"""`crmctl check`: are the config's targets met in the latest complete period?

The latest complete period is the last one that ends on or before the data's last day, so a cron
job on the 3rd of a month judges the month before, not three days of the current one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import ClassVar

import polars as pl

from crmctl.config import Config
from crmctl.errors import ConfigError, DataError
from crmctl.report.build import build_report, refuse_empty, with_overrides
from crmctl.config.targets import segment_key


@dataclass
class CheckResult:
    period_start: dt.date | None
    period_end: dt.date | None
    verdicts: list[dict] = field(default_factory=list)  # one per metric × segment of the period
    units: dict[str, str] = field(default_factory=dict)  # metric -> unit, for the values' text
    view: ClassVar[str] = "check"

    @property
    def misses(self) -> list[dict]:
        return [v for v in self.verdicts if v["status"] == "missed"]


NOISE = "within noise"


def run_check(config: Config, period_end: dt.date | None = None, significant_only: bool = False) -> CheckResult:
    """With `significant_only`, a miss whose target lies inside the value's confidence interval is
    "within noise" and not a miss (a value with no interval, such as a total, stays a miss)."""
    if not config.targets:
        raise ConfigError(f"{config.path}: no targets to check; add a targets: section (docs/config.md)")
    spec = with_overrides(config.report, metrics=tuple(config.targets), family=None, compare=None,
                          ci=significant_only or None)
    result = build_report(config, spec)
    if result.unavailable:
        raise ConfigError(f"{config.path}: targets that cannot be computed",
                          [f"targets.{name}: {reason}" for name, reason in result.unavailable.items()])
    # No data is no verdict: exit 0 would tell cron every target was met.
    refuse_empty(result, "check the export, or the window in report: (from, to, last)")
    rows, units = result.rows, {m.name: m.unit for m in result.metrics}
    if rows["period_start"].null_count() == rows.height:  # a snapshot export: its rows have no period
        start, chosen = None, rows
    else:
        start = judged_period(result, period_end)
        chosen = rows.filter(pl.col("period_start") == start)
    verdicts = []
    for row in chosen.iter_rows(named=True):
        target = config.targets[row["metric"]].for_segment(segment_key(row, spec.by))
        verdicts.append({
            "metric": row["metric"], "segment": {b: row[b] for b in spec.by}, "value": row["value"],
            "min": target.min, "max": target.max, "tolerance": target.tolerance, "status": row["target"] or "no value",
            "note": row["note"], "target": target.describe(),
        })
        if significant_only:
            verdicts[-1].update(ci_low=row["ci_low"], ci_high=row["ci_high"])
            verdicts[-1]["status"] = _noise(verdicts[-1])
    end = chosen["period_end"][0] if chosen.height else None
    return CheckResult(start, end, verdicts, units)


def _noise(verdict: dict) -> str:
    """A missed target inside [ci_low, ci_high]: the data cannot tell the value from the target."""
    low, high, status = verdict["ci_low"], verdict["ci_high"], verdict["status"]
    if status != "missed" or low is None or high is None:
        return status
    bounds = [b for b in (verdict["min"], verdict["max"]) if b is not None]
    return NOISE if any(low <= b <= high for b in bounds) else status


def judged_period(result, period_end: dt.date | None) -> dt.date:
    """The period holding `period_end`, else the last complete one (the last one, if none is complete)."""
    periods = result.rows.drop_nulls("period_start").group_by("period_start").agg(
        pl.col("period_end").first()).sort("period_start")
    if period_end is not None:
        first, last = periods["period_start"][0], periods["period_end"][-1]
        if not first <= period_end <= last:
            data = f"; the data runs {result.span[0]} .. {result.span[1]}" if result.span else ""
            raise DataError(f"--period-end {period_end}: no period of the report holds it (periods run "
                            f"{first} .. {last}{data}); choose a date inside them")
        return periods.filter(pl.col("period_start") <= period_end)["period_start"][-1]
    complete = periods.filter(pl.col("period_end") <= result.window.end)
    return (complete if complete.height else periods)["period_start"][-1]

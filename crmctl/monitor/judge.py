"""Reports and checks with anomaly flags: the history a period is judged against is the whole data,
whatever window the report shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import ClassVar

import polars as pl

from crmctl.config import Config, ReportSpec
from crmctl.monitor.anomalies import COLUMNS, CONFIDENCE, flag_report
from crmctl.report.build import ReportResult, build_report
from crmctl.report.check import CheckResult, judged_period, run_check


@dataclass
class AnomalyCheck:
    period_start: dt.date | None
    period_end: dt.date | None
    flags: list[dict] = field(default_factory=list)  # one per anomalous metric × segment of the period
    values: list[dict] = field(default_factory=list)  # every metric × segment judged: metric, segment, value, n


@dataclass
class Judged:
    """`check` and, with --anomalies, the anomalies of the same period: what the command prints and exits on."""
    outcome: CheckResult  # the targets' verdicts (none when the config has no targets)
    anomalies: AnomalyCheck | None = None
    view: ClassVar[str] = "check_anomalies"

    @property
    def failed(self) -> bool:
        return bool(self.outcome.misses or (self.anomalies and self.anomalies.flags))


def judge(config: Config, period_end: dt.date | None = None, significant_only: bool = False,
          anomalies: bool = False) -> Judged:
    """The targets (when the config has any, or without --anomalies: then a config needs targets), and
    with `anomalies` the anomalies of the same period."""
    outcome = run_check(config, period_end, significant_only) if config.targets or not anomalies else CheckResult(
        None, None)
    if not anomalies:
        return Judged(outcome)
    return Judged(outcome, check_anomalies(config, anomaly_spec(config), period_end))


def flagged_report(config: Config, spec: ReportSpec, confidence: float = CONFIDENCE) -> ReportResult:
    """The report `spec` asks for, its rows carrying anomalies.COLUMNS."""
    history = build_report(config, replace(spec, start=None, last=None, ci=True))
    flagged = flag_report(history, confidence)
    if spec.start is None and spec.last is None:
        result = history
        if not spec.ci:
            flagged = flagged.drop("ci_low", "ci_high")
    else:
        result = build_report(config, spec)
        keys = ["period_start", *spec.by, "metric"]
        flagged = result.rows.join(flagged.select(*keys, *COLUMNS), on=keys, how="left", nulls_equal=True)
    result.rows = flagged
    return result


def check_anomalies(config: Config, spec: ReportSpec, period_end: dt.date | None = None,
                    confidence: float = CONFIDENCE) -> AnomalyCheck:
    """The anomalies of one period (the one holding `period_end`, else the latest complete one) in the
    metrics of `spec` (the config's report section and the targets' metrics)."""
    result = flagged_report(config, spec, confidence)
    rows = result.rows.drop_nulls("period_start")
    if rows.is_empty():
        return AnomalyCheck(None, None)
    start = judged_period(result, period_end)
    chosen = rows.filter(pl.col("period_start") == start)
    flags = [{"metric": r["metric"], "segment": {b: r[b] for b in spec.by}, "value": r["value"], "n": r["n"],
              "direction": r["anomaly"], "expected": r["expected"], "expected_low": r["expected_low"],
              "expected_high": r["expected_high"], "reason": r["anomaly_reason"]}
             for r in chosen.iter_rows(named=True) if r["anomaly"] is not None]
    values = [{"metric": r["metric"], "segment": {b: r[b] for b in spec.by}, "value": r["value"], "n": r["n"]}
              for r in chosen.iter_rows(named=True)]
    return AnomalyCheck(start, chosen["period_end"][0] if chosen.height else None, flags, values)


def anomaly_spec(config: Config) -> ReportSpec:
    """What `check --anomalies` watches: the report section's metrics and the targets' metrics."""
    metrics = tuple(dict.fromkeys((*(config.report.metrics or ()), *(config.targets or {}))))
    return replace(config.report, metrics=metrics, family=None, compare=None, start=None, last=None)

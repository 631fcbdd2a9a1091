"""What `crmctl watch` runs each time: a report or a check, read with the config as it is now.

A job returns a Snapshot: the latest period's values (what the live view shows), every cell's value
keyed by (metric, period start, segment) so that runs can be compared, and a check's misses and
anomalies. Each job appends to the history store when the config has one.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from crmctl.config import Config, ReportSpec


@dataclass
class Snapshot:
    kind: str  # report | check
    period: tuple[dt.date | None, dt.date | None] | None  # the latest period (report) or the judged one (check)
    latest: list[dict]  # metric, unit, segment, value, n, anomaly, reason of that period
    cells: dict[tuple, float | None]  # (metric, period_start, segment JSON) → value, for what changed
    misses: list[dict] = field(default_factory=list)
    anomalies: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def dataset_patterns(config_path: Path) -> list[str]:
    """The absolute file patterns of the config's datasets, as the config reads now."""
    from crmctl.config import load_config

    return [str(p) for spec in load_config(config_path).datasets.values() for p in spec.paths]


def report_job(config_path: Path, spec_of: Callable[[Config], ReportSpec], anomalies: bool) -> Callable[[], Snapshot]:
    def job() -> Snapshot:
        from crmctl.config import load_config
        from crmctl.monitor.history import record_report

        config = load_config(config_path)
        spec = spec_of(config)
        if anomalies:
            from crmctl.monitor.judge import flagged_report

            result = flagged_report(config, spec)
        else:
            from crmctl.report.build import build_report

            result = build_report(config, spec)
        record_report(config, "watch", result)
        return _report_snapshot(result)

    return job


def _units(result) -> dict[str, str]:
    return {m.name: m.unit for m in result.metrics}


def _report_snapshot(result) -> Snapshot:
    rows = result.rows.to_dicts()
    units = _units(result)
    cells = {(r["metric"], _day(r["period_start"]), _segment(r, result.by)): r["value"] for r in rows}
    starts = [r["period_start"] for r in rows if r["period_start"] is not None]
    last = max(starts) if starts else None
    latest_rows = [r for r in rows if r["period_start"] == last]
    latest = [{"metric": r["metric"], "unit": units[r["metric"]], "segment": {b: r[b] for b in result.by},
               "value": r["value"], "n": r["n"], "anomaly": r.get("anomaly"), "reason": r.get("anomaly_reason")}
              for r in latest_rows]
    period = (last, latest_rows[0]["period_end"]) if latest_rows else None
    return Snapshot("report", period, latest, cells, warnings=_warnings(result))


def check_job(config_path: Path, anomalies: bool) -> Callable[[], Snapshot]:
    def job() -> Snapshot:
        from crmctl.config import load_config
        from crmctl.metrics.catalogue import registry
        from crmctl.monitor.history import record_check
        from crmctl.report.check import CheckResult, run_check

        config = load_config(config_path)
        outcome = run_check(config) if config.targets or not anomalies else CheckResult(None, None)
        flagged = None
        if anomalies:
            from crmctl.monitor.judge import anomaly_spec, check_anomalies

            flagged = check_anomalies(config, anomaly_spec(config))
        record_check(config, outcome, flagged)
        return _check_snapshot(outcome, flagged, {n: m.unit for n, m in registry(config).items()})

    return job


def _check_snapshot(outcome, flagged, units: dict[str, str]) -> Snapshot:
    judged = {(v["metric"], json.dumps(v["segment"], sort_keys=True, default=str)): v
              for v in [*outcome.verdicts, *(flagged.values if flagged else [])]}
    flags = {(f["metric"], json.dumps(f["segment"], sort_keys=True, default=str)): f
             for f in (flagged.flags if flagged else [])}
    start = outcome.period_start or (flagged.period_start if flagged else None)
    end = outcome.period_end or (flagged.period_end if flagged else None)
    latest = [{"metric": v["metric"], "unit": units.get(v["metric"], "score"), "segment": v["segment"],
               "value": v["value"], "n": v.get("n"), "status": v.get("status"),
               "anomaly": flags.get(key, {}).get("direction"), "reason": flags.get(key, {}).get("reason")}
              for key, v in judged.items()]
    cells = {(v["metric"], _day(start), key[1]): v["value"] for key, v in judged.items()}
    return Snapshot("check", (start, end), latest, cells, misses=outcome.misses,
                    anomalies=list(flagged.flags) if flagged else [])


def _warnings(result) -> list[str]:
    return [f"{name}: {w}" for name, loaded in result.datasets.items() for w in loaded.warnings]


def _segment(row: dict, by) -> str:
    return json.dumps({b: row[b] for b in by}, sort_keys=True, default=str)


def _day(value) -> str | None:
    return value.isoformat() if value is not None else None

"""The `report:` section: the default report that `crmctl report` and `check` run."""

from __future__ import annotations

import datetime as dt

from crmctl.config.model import COMPARE, PERIODS, REPORT_KEYS, ReportSpec
from crmctl.config.problems import Problems


def parse_report(raw, problems: Problems) -> ReportSpec:
    if problems.typed("report", raw, dict, "a mapping of report options") is None:
        return ReportSpec()
    problems.unknown_keys("report", raw, REPORT_KEYS)
    by = raw.get("by", [])
    by = [by] if isinstance(by, str) else by
    metrics = raw.get("metrics", [])
    metrics = [metrics] if isinstance(metrics, str) else metrics
    return ReportSpec(
        period=problems.choice("report.period", raw.get("period", "month"), PERIODS) or "month",
        by=tuple(problems.typed("report.by", by, list, "a list of dimension names") or ()),
        metrics=tuple(problems.typed("report.metrics", metrics, list, "a list of metric names") or ()),
        family=raw.get("family"),
        start=_date(raw.get("from"), "report.from", problems),
        end=_date(raw.get("to"), "report.to", problems),
        last=raw.get("last"),
        compare=problems.choice("report.compare", raw["compare"], COMPARE) if raw.get("compare") else None,
        confidence=_confidence(raw.get("confidence"), problems),
        min_n=_min_n(raw.get("min_n"), problems),
    )


def _confidence(value, problems: Problems) -> float | None:
    if value is None or problems.typed("report.confidence", value, (int, float), "a number") is None:
        return None
    if isinstance(value, bool) or not 0 < value < 1:
        problems.add("report.confidence", f"must be between 0 and 1 (exclusive), e.g. 0.95; got {value!r}")
        return None
    return float(value)


def _min_n(value, problems: Problems) -> int | None:
    if value is None or problems.typed("report.min_n", value, int, "a whole number") is None:
        return None
    if isinstance(value, bool) or value < 0:
        problems.add("report.min_n", f"must be a whole number ≥ 0 (0 dims nothing), e.g. 30; got {value!r}")
        return None
    return value


def _date(value, path: str, problems: Problems) -> dt.date | None:
    """Dates work whether YAML parsed them (2024-01-01) or they were quoted ('2024-01-01')."""
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.add(path, f"{value!r} is not a date like 2024-01-31")
        return None

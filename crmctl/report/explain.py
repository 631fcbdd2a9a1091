"""`crmctl explain`: where one number of a report comes from.

For one metric and one cell (period × segment): the definition, the knobs in force, numerator and
denominator with the observations behind them, the rows each dataset read, filtered, skipped or
found invalid, and optionally the ids the numerator counts (the churned customers, to act on them).
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from crmctl.config import Config
from crmctl.errors import UsageError, did_you_mean
from crmctl.config.definitions import FAMILY_KNOBS, KNOBS
from crmctl.metrics.catalogue import registry
from crmctl.report.build import ReportResult, build_report, with_overrides

MAX_IDS = 1000


def parse_segment(items: list[str]) -> dict[str, str]:
    segment = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--segment {item!r}: expected KEY=VALUE, e.g. --segment segment=SMB")
        segment[key.strip()] = value.strip()
    return segment


def parse_period(text: str | None) -> dt.date | None:
    """2025-03 (a month) or 2025-03-14 (any day of the period)."""
    if text is None:
        return None
    if re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--period {text!r}: expected a month like 2025-03 or a day like 2025-03-14") from None


def explain(config: Config, name: str, period: dt.date | None, segment: dict[str, str], period_length: str | None,
            with_ids: bool = False) -> dict:
    known = registry(config)
    if name not in known:
        raise UsageError(f"unknown metric {name!r}{did_you_mean(name, known)}; `crmctl metrics` lists them")
    metric = known[name]
    spec = with_overrides(config.report, metrics=(name,), family=None, by=tuple(segment), compare=None,
                          period=period_length)
    result = build_report(config, spec)
    if name in result.unavailable:
        raise UsageError(f"{name} cannot be computed with this config: {result.unavailable[name]}")
    row = _cell(result, period, segment)
    out = {
        "metric": name, "title": metric.title, "family": metric.family, "unit": metric.unit,
        "definition": metric.description,
        "knobs": {k: {"value": config.knob(k), "default": k not in config.definitions}
                  for k in FAMILY_KNOBS.get(metric.family, ()) if k in KNOBS},
        "activity_model": result.activity,
        "period": {"start": row["period_start"], "end": row["period_end"]},
        "segment": {b: row[b] for b in spec.by},
        "value": row["value"], "note": row["note"],
        "numerator": {"value": row["numerator"], "counts": metric.numerator or None},
        "denominator": {"value": row["denominator"], "counts": metric.denominator or None},
        "observations": row["n"],
        "datasets": {d: result.meta["datasets"][d] for d in result.meta["datasets"]},
    }
    if with_ids:
        out["ids"] = _ids(config, metric, spec, row)
    return out


def _cell(result: ReportResult, period: dt.date | None, segment: dict[str, str]) -> dict:
    rows = result.rows
    for key, value in segment.items():
        rows = rows.filter(pl.col(key).is_null()) if value == "(none)" else rows.filter(pl.col(key) == value)
    if rows.is_empty():
        shown = ", ".join(f"{k}={v}" for k, v in segment.items())
        raise UsageError(f"no rows for {shown or 'this metric'} (values are case-sensitive; `crmctl report --by` "
                         "lists them)")
    if period is None:  # the latest period with a value, else the latest
        valued = rows.filter(pl.col("value").is_not_null())
        return (valued if valued.height else rows).sort("period_start").row(-1, named=True)
    holding = rows.filter((pl.col("period_start") <= period) & (pl.col("period_end") >= period))
    if holding.is_empty():
        first, last = rows["period_start"].min(), rows["period_end"].max()
        raise UsageError(f"--period {period}: outside the report's periods ({first} .. {last})")
    return holding.row(0, named=True)


def _ids(config: Config, metric, spec, row: dict) -> dict:
    if metric.members is None:
        return {"available": False, "why": f"{metric.name} does not list the ids behind its numerator yet"}
    from crmctl.report.build import prepare

    ctx, _ = prepare(config, spec)
    members = metric.members(ctx).collect()
    if row["period_start"] is not None:
        members = members.filter(pl.col("period_start") == row["period_start"])
    for b in spec.by:
        members = members.filter(pl.col(b).is_null() if row[b] is None else pl.col(b) == row[b])
    ids = members["id"].unique().sort().to_list()
    return {"available": True, "count": len(ids), "ids": ids[:MAX_IDS], "truncated": len(ids) > MAX_IDS}

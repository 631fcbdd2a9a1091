"""What monitoring prints: anomaly lines of check, and the history of one number."""

from __future__ import annotations

import json

from rich.box import HEAVY_HEAD

from crmctl.render.base import (
    Format, csv_text, format_value, jsonable, markdown_table, period_label, segment_label, to_text,
)


def anomaly_lines(outcome, units: dict[str, str]) -> list[str]:
    """One line per flag, like check's misses: ANOMALY: metric segment period: why."""
    when = f"{outcome.period_start}..{outcome.period_end}" if outcome.period_start else "snapshot"
    lines = []
    for flag in outcome.flags:
        segment = " ".join(f"{k}={segment_label(v)}" for k, v in flag["segment"].items())
        lines.append(f"ANOMALY: {flag['metric']}{' ' + segment if segment else ''} {when}: {flag['reason']}")
    return lines


def anomaly_records(outcome) -> list[dict]:
    return [{k: jsonable(v) for k, v in flag.items()} for flag in outcome.flags]


def _segment(segment: dict) -> str:
    return ", ".join(f"{k}={segment_label(v)}" for k, v in segment.items()) or "all"


def history_records(cells) -> list[dict]:
    """Per cell: when it was first and last reported, its values then, and each restatement."""
    records = []
    for cell in cells:
        changes = cell.restatements
        (first_at, _, first), (last_at, _, last) = cell.reports[0], cell.reports[-1]
        records.append({
            "period_start": cell.period_start, "period_end": cell.period_end, "segment": cell.segment,
            "first_reported": first_at, "first_value": first, "last_reported": last_at, "last_value": last,
            "reports": len(cell.reports), "restated": len(changes),
            "restatements": [{"at": at, "before": before, "after": after} for at, before, after in changes],
        })
    return records


def render_history(metric: str, unit: str, period: str, records: list[dict], fmt: Format, *, color: bool,
                   width: int | None, restated_only: bool = False) -> str:
    """Every period's record, or with `restated_only` those restated; tables end with how many were."""
    restated = sum(1 for r in records if r["restated"])
    note = f"{restated} of {len(records)} periods restated (a value changed after it was first reported)"
    records = [r for r in records if r["restated"]] if restated_only else records
    if fmt == Format.json:
        body = {"metric": metric, "period": period, "cells": records}
        return json.dumps(body, indent=2, ensure_ascii=False, default=jsonable) + "\n"
    if fmt == Format.csv:
        flat = [{**r, "segment": _segment(r["segment"]), "restatements": "; ".join(
            f"{c['at']}: {c['before']} -> {c['after']}" for c in r["restatements"])} for r in records]
        return csv_text(list(flat[0]) if flat else ["period_start"], flat, raw=False)
    columns = ["period", "segment", "latest", "reports", "restated"]
    rows = [{"period": period_label(r["period_start"], r["period_end"], period), "segment": _segment(r["segment"]),
             "latest": format_value(r["last_value"], unit), "reports": str(r["reports"]),
             "restated": _restated(r, unit)} for r in records]
    if fmt == Format.markdown:
        return markdown_table(columns, rows) if rows else "_Nothing to show._\n"
    from rich.table import Table

    table = Table(title=f"{metric} by {period}, as reported over time", title_justify="left", header_style="bold",
                      box=None if width is None else HEAVY_HEAD)
    for column in columns:
        table.add_column(column, overflow="fold", justify="right" if column in ("latest", "reports") else "left")
    for row in rows:
        table.add_row(*(row[c] for c in columns))
    return to_text([table, note], color=color, width=width)


def _restated(record: dict, unit: str) -> str:
    """"no", or each change: was 12,000.00 → 11,800.00 (2025-07-03)."""
    if not record["restatements"]:
        return "no"
    return "; ".join(f"{format_value(c['before'], unit)} → {format_value(c['after'], unit)} ({c['at'][:10]})"
                     for c in record["restatements"])


def render_check_with_anomalies(outcome, anomalies, config, fmt: str, verbose: bool) -> str:
    """check --anomalies: the targets' lines (if any targets) then one ANOMALY line per flag; in JSON,
    check's document with `anomalies` added and `ok` false when any period was flagged."""
    from crmctl.metrics.catalogue import registry
    from crmctl.render.diagnostics import check_document, render_check

    if fmt == "json":
        document = check_document(outcome, verbose)
        if outcome.period_start is None:
            document["period"] = {"start": jsonable(anomalies.period_start), "end": jsonable(anomalies.period_end)}
        document["ok"] = document["ok"] and not anomalies.flags
        document["anomalies"] = anomaly_records(anomalies)
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    units = {name: metric.unit for name, metric in registry(config).items()}
    lines = anomaly_lines(anomalies, units)
    return render_check(outcome, config, fmt, verbose) + ("\n".join(lines) + "\n" if lines else "")

"""What monitoring prints: check --anomalies (the targets' lines, then one ANOMALY line per flag) and the
history of one number (`crmctl history`). Views CHECK_ANOMALIES and HISTORY."""

from __future__ import annotations

from crmctl.render.base import (
    Format, csv_text, format_value, jsonable, markdown_table, period_label, segment_label, to_text,
)
from crmctl.render.diagnostics import check_document, check_lines
from crmctl.render.text import json_text
from crmctl.render.view import Options, View


def anomaly_lines(anomalies) -> list[str]:
    """One line per flag, like check's misses: ANOMALY: metric segment period: why."""
    when = f"{anomalies.period_start}..{anomalies.period_end}" if anomalies.period_start else "snapshot"
    lines = []
    for flag in anomalies.flags:
        segment = " ".join(f"{k}={segment_label(v)}" for k, v in flag["segment"].items())
        lines.append(f"ANOMALY: {flag['metric']}{' ' + segment if segment else ''} {when}: {flag['reason']}")
    return lines


def _judged_lines(judged, options: Options) -> str:
    lines = anomaly_lines(judged.anomalies)
    return check_lines(judged.outcome, options) + ("\n".join(lines) + "\n" if lines else "")


def _judged_json(judged, options: Options) -> str:
    """check's document with `anomalies` added, `ok` false when any value was flagged, and the period the
    anomalies judged when the config has no targets."""
    document = check_document(judged.outcome, options.verbose)
    anomalies = judged.anomalies
    if judged.outcome.period_start is None:
        document["period"] = {"start": jsonable(anomalies.period_start), "end": jsonable(anomalies.period_end)}
    document["ok"] = not judged.failed
    document["anomalies"] = [{k: jsonable(v) for k, v in flag.items()} for flag in anomalies.flags]
    return json_text(document)


def _segment(segment: dict) -> str:
    return ", ".join(f"{k}={segment_label(v)}" for k, v in segment.items()) or "all"


def _shown(history) -> list[dict]:
    return [r for r in history.records if r["restated"]] if history.restated_only else history.records


def _history_json(history, options: Options) -> str:
    body = {"metric": history.metric, "period": history.period, "cells": _shown(history)}
    return json_text(body, default=jsonable)


def _history_csv(history, options: Options) -> str:
    flat = [{**r, "segment": _segment(r["segment"]), "restatements": "; ".join(
        f"{c['at']}: {c['before']} -> {c['after']}" for c in r["restatements"])} for r in _shown(history)]
    return csv_text(list(flat[0]) if flat else ["period_start"], flat, raw=options.raw)


_COLUMNS = ["period", "segment", "latest", "reports", "restated"]


def _history_rows(history) -> list[dict]:
    unit = history.unit
    return [{"period": period_label(r["period_start"], r["period_end"], history.period),
             "segment": _segment(r["segment"]), "latest": format_value(r["last_value"], unit),
             "reports": str(r["reports"]), "restated": _restated(r, unit)} for r in _shown(history)]


def _history_markdown(history, options: Options) -> str:
    rows = _history_rows(history)
    return markdown_table(_COLUMNS, rows) if rows else "_Nothing to show._\n"


def _history_table(history, options: Options) -> str:
    from rich.box import HEAVY_HEAD
    from rich.table import Table

    table = Table(title=f"{history.metric} by {history.period}, as reported over time", title_justify="left",
                  header_style="bold", box=None if options.width is None else HEAVY_HEAD)
    for column in _COLUMNS:
        table.add_column(column, overflow="fold", justify="right" if column in ("latest", "reports") else "left")
    for row in _history_rows(history):
        table.add_row(*(row[c] for c in _COLUMNS))
    restated = sum(1 for r in history.records if r["restated"])
    note = f"{restated} of {len(history.records)} periods restated (a value changed after it was first reported)"
    return to_text([table, note], color=options.color, width=options.width)


def _restated(record: dict, unit: str) -> str:
    """"no", or each change: 12,000.00 → 11,800.00 (2025-07-03)."""
    if not record["restatements"]:
        return "no"
    return "; ".join(f"{format_value(c['before'], unit)} → {format_value(c['after'], unit)} ({c['at'][:10]})"
                     for c in record["restatements"])


CHECK_ANOMALIES = View("crmctl check --anomalies", {Format.table: _judged_lines, Format.json: _judged_json})
HISTORY = View("crmctl history", {Format.table: _history_table, Format.csv: _history_csv, Format.json: _history_json,
                                  Format.markdown: _history_markdown})

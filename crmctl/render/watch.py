"""What `crmctl watch` shows: a live view in a terminal, one JSON line per run when piped."""

from __future__ import annotations

import json
from pathlib import Path

from crmctl.render.base import format_value, jsonable, period_label, segment_label
from crmctl.render.text import literal, literal_lines

SHOWN_CHANGES = 8  # the live view lists this many changed cells; JSON lines carry all


def change_records(run) -> list[dict]:
    return [{"metric": c["key"][0], "period_start": c["key"][1], "segment": json.loads(c["key"][2]),
             "before": jsonable(c["before"]), "after": jsonable(c["after"])} for c in run.changes]


def watch_line(run) -> str:
    """One run as one JSON line: when, why, the latest period's values, and what changed since the last run."""
    snapshot = run.outcome
    body = {"run": run.number, "at": run.at.isoformat(timespec="seconds"), "trigger": run.trigger,
            "ok": run.error is None and not (snapshot and (snapshot.misses or snapshot.anomalies))}
    if run.error is not None:
        body["error"] = run.error
    else:
        start, end = snapshot.period or (None, None)
        body["period"] = {"start": jsonable(start), "end": jsonable(end)}
        body["latest"] = [{k: jsonable(v) for k, v in row.items() if k != "unit"} for row in snapshot.latest]
        body["changes"] = change_records(run)
        if snapshot.kind == "check":
            body["misses"] = [{k: jsonable(v) for k, v in m.items() if k != "target"} for m in snapshot.misses]
            body["anomalies"] = [{k: jsonable(v) for k, v in a.items()} for a in snapshot.anomalies]
    # ASCII only: a value from the data cannot put a control or bidi character on the line
    return json.dumps(body, ensure_ascii=True, default=jsonable) + "\n"


def _since(run, row: dict, period_start) -> str:
    """The change of one latest cell since the previous run, or "" (unchanged, or the first run)."""
    key_start = period_start.isoformat() if period_start is not None else None
    segment = json.dumps(row["segment"], sort_keys=True, default=str)
    for change in run.changes:
        if change["key"] == (row["metric"], key_start, segment) and change["before"] is not None:
            if change["after"] is None:
                return "now empty"
            delta = change["after"] - change["before"]
            return ("+" if delta >= 0 else "−") + format_value(abs(delta), row["unit"])
    return ""


def watch_view(run, period_kind: str, watching: list[Path]):
    """A Rich renderable of the latest run, for Live."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    cause = f"after {', '.join(literal(Path(t).name) for t in run.trigger)} changed" if run.trigger else "first run"
    title = Text(f"crmctl watch · run {run.number} · {run.at:%H:%M:%S} UTC · {cause}", style="bold")
    folders = sorted({literal(p.parent) for p in watching})
    files = f"{len(watching)} export file{'s' if len(watching) != 1 else ''}"
    waiting = Text(f"Waiting for changes to {files} in {', '.join(folders)} or the config (Ctrl-C stops)",
                   style="dim")
    if run.error is not None:
        advice = Text("Keeping the last good run; fix the file and save it again.", style="dim")
        return Group(title, Text(f"error: {literal_lines(run.error)}", style="red"), advice, waiting)
    snapshot = run.outcome
    start, end = snapshot.period or (None, None)
    table = Table(title=f"{'Judged' if snapshot.kind == 'check' else 'Latest'} period: "
                        f"{period_label(start, end, period_kind)}", title_justify="left", header_style="bold")
    for column in ("metric", "segment", "value", "change", "flag"):  # "change": since the last run
        table.add_column(column, justify="right" if column in ("value", "change") else "left", overflow="fold")
    for row in snapshot.latest:
        segment = ", ".join(segment_label(v) for v in row["segment"].values()) or "all"
        flag = {"high": "anomaly ↑", "low": "anomaly ↓"}.get(row.get("anomaly")) or (
            "missed" if row.get("status") == "missed" else "")
        # Text, not str: Live's console would read "[bold]" in a segment name as markup
        table.add_row(Text(row["metric"]), Text(segment), format_value(row["value"], row["unit"]),
                      _since(run, row, start), Text(flag, style="bold red") if flag else "")
    return Group(title, table, *_change_lines(run, start), waiting)


def _change_lines(run, latest_start):
    from rich.text import Text

    if run.number == 1:
        return []
    latest = latest_start.isoformat() if latest_start is not None else None
    units = {row["metric"]: row["unit"] for row in run.outcome.latest}
    earlier = [c for c in change_records(run) if c["period_start"] != latest]
    if not run.changes:
        return [Text("Nothing changed since the last run.")]
    cells = f"{len(run.changes)} cell{'s' if len(run.changes) != 1 else ''}"
    lines = [Text(f"Changed since the last run: {cells}" + (f", {len(earlier)} of them in earlier periods "
                                                          "(restated)" if earlier else ""))]
    for c in earlier[:SHOWN_CHANGES]:
        segment = ", ".join(segment_label(v) for v in c["segment"].values())
        unit = units.get(c["metric"], "score")
        where = f"{c['metric']}{' ' + segment if segment else ''} {c['period_start'] or 'snapshot'}"
        lines.append(Text(f"  {where}: {format_value(c['before'], unit)} → "
                          f"{format_value(c['after'], unit)}"))
    return lines

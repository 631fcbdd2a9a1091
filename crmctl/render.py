"""Report and catalogue output: Rich tables, CSV, JSON, Markdown; atomic file writes.

The only module, with cli.py, that writes to the terminal. RENDERERS is the one switch on format.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
import tempfile
from enum import Enum
from pathlib import Path

from crmctl.errors import OutputError


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


class Layout(str, Enum):
    long = "long"
    wide = "wide"


_UNIT_SUFFIX = {"ratio": "%", "count": "", "money": "", "months": "months", "days": "days", "hours": "hours", "seconds": "s",
                "score": ""}
_FORMULA_PREFIX = ("=", "+", "-", "@", "\t", "\r")


def default_layout(fmt: Format) -> Layout:
    """Tables and Markdown are read by people (wide); CSV and JSON feed tools (tidy, long)."""
    return Layout.wide if fmt in (Format.table, Format.markdown) else Layout.long


# ---- values -------------------------------------------------------------------------------------

def format_value(value, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "money":
        return f"{value:,.2f}"
    return f"{value:,.1f}"


def format_change(change, change_ratio, unit: str) -> str:
    if change is None:
        return ""
    if unit == "ratio":
        return f" ({change * 100:+.1f} pp)"
    return f" ({change_ratio * 100:+.1f}%)" if change_ratio is not None else ""


def header(metric, currency: str | None) -> str:
    suffix = currency if metric.unit == "money" and currency else _UNIT_SUFFIX[metric.unit]
    return f"{metric.title} ({suffix})" if suffix and suffix != "%" else (
        f"{metric.title} %" if suffix == "%" else metric.title)


def period_label(start, end, period: str) -> str:
    if start is None:
        return "snapshot"  # a status-flag export without dates
    if period == "month":
        return start.strftime("%Y-%m")
    if period in ("day", "week"):
        return start.isoformat()
    if period == "year" and start.month == 1:
        return str(start.year)
    if end is None:
        return start.isoformat()
    return f"{start:%Y-%m}..{end:%Y-%m}" if period in ("quarter", "year") else f"{start} – {end}"


def _safe_cell(value):
    """OWASP CSV injection: a text cell that a spreadsheet would run as a formula is quoted with '."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIX):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


# ---- report -------------------------------------------------------------------------------------

def report_records(result, layout: Layout) -> tuple[list[str], list[dict]]:
    """The report as plain rows: long (the tidy contract) or wide (one column per metric)."""
    rows = result.rows
    if layout == Layout.long:
        return rows.columns, rows.to_dicts()
    keys = ["period_start", "period_end", *result.by]
    wide = rows.pivot(on="metric", index=keys, values="value", aggregate_function=None) if rows.height else None
    names = [m.name for m in result.metrics]
    if wide is None:
        return keys + names, []
    return keys + names, wide.select(keys + [n for n in names if n in wide.columns]).to_dicts()


def _jsonable(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def render_report(result, fmt: Format, layout: Layout | None, *, color: bool, width: int | None,
                  currency: str | None = None, raw: bool = False) -> str:
    layout = layout or default_layout(fmt)
    return RENDERERS[fmt](result, layout, color=color, width=width, currency=currency, raw=raw)


def _report_csv(result, layout, *, raw, **_) -> str:
    columns, records = report_records(result, layout)
    return _csv(columns, records, raw)


def _report_json(result, layout, **_) -> str:
    columns, records = report_records(result, layout)
    rows = [{c: _jsonable(r.get(c)) for c in columns} for r in records]
    return json.dumps({"meta": result.meta, "rows": rows}, indent=2, ensure_ascii=False) + "\n"


def _display_rows(result, layout, currency):
    """Formatted cells for people: per segment, one row per period (wide) or per metric (long)."""
    units = {m.name: m.unit for m in result.metrics}
    by_name = {m.name: m for m in result.metrics}
    has_compare = "change" in result.rows.columns
    if layout == Layout.long:
        columns = ["period", *result.by, "metric", "value", "numerator", "denominator", "n", "note"]
        out = []
        for r in result.rows.to_dicts():
            unit = units[r["metric"]]
            cell = format_value(r["value"], unit)
            if has_compare:
                cell += format_change(r["change"], r["change_ratio"], unit)
            out.append({"period": period_label(r["period_start"], r["period_end"], result.period),
                        **{b: _segment(r[b]) for b in result.by}, "metric": r["metric"], "value": cell,
                        "numerator": _plain(r["numerator"]), "denominator": _plain(r["denominator"]),
                        "n": str(r["n"]), "note": r["note"] or ""})
        return {(): (columns, out)}
    groups: dict[tuple, tuple[list[str], list[dict]]] = {}
    columns = ["period", *(header(m, currency) for m in result.metrics)]
    cells: dict[tuple, dict[str, dict]] = {}
    for r in result.rows.to_dicts():
        segment = tuple(_segment(r[b]) for b in result.by)
        label = period_label(r["period_start"], r["period_end"], result.period)
        metric = by_name[r["metric"]]
        text = format_value(r["value"], metric.unit)
        if has_compare:
            text += format_change(r["change"], r["change_ratio"], metric.unit)
        if r.get("target") == "missed":
            text = Missed(text)
        cells.setdefault(segment, {}).setdefault(label, {"period": label})[header(metric, currency)] = text
    labels = {label for periods in cells.values() for label in periods}
    if len(labels) == 1 and result.by:  # one period: a row per segment reads better than a table each
        rows = [{**dict(zip(result.by, segment)), **row} for segment, periods in cells.items()
                for row in periods.values()]
        return {(): (["period", *result.by, *columns[1:]], rows)}
    for segment, periods in cells.items():
        groups[segment] = (columns, sorted(periods.values(), key=lambda row: row["period"]))
    return groups


class Missed(str):
    """A formatted value that misses its target: red in a colour terminal, plain text elsewhere."""


def _styled(cell: str, color: bool):
    if color and isinstance(cell, Missed):
        from rich.text import Text

        return Text(cell, style="bold red")
    return cell


def _segment(value) -> str:
    return "(none)" if value is None else str(value)


def _plain(value) -> str:
    return "" if value is None else f"{value:,.6g}"


def _report_markdown(result, layout, *, currency, **_) -> str:
    parts = []
    for segment, (columns, rows) in _display_rows(result, layout, currency).items():
        if segment:
            parts.append("### " + ", ".join(f"{b}: {v}" for b, v in zip(result.by, segment)) + "\n")
        parts.append(_markdown(columns, rows))
    return "\n".join(parts) if parts else "_No rows: the data has no dates in the window._\n"


def _report_table(result, layout, *, color, width, currency, **_) -> str:
    from rich.table import Table

    from rich.text import Text

    tables = []
    for segment, (columns, rows) in _display_rows(result, layout, currency).items():
        title = ", ".join(f"{b}: {v}" for b, v in zip(result.by, segment))
        if title:  # a heading line, not a table title: those wrap to the table's width
            tables.append(Text(title, style="bold"))
        table = Table(header_style="bold")
        for index, column in enumerate(columns):
            table.add_column(column, justify="left" if index == 0 or column in result.by else "right")
        for row in rows:
            table.add_row(*(_styled(row.get(c, ""), color) for c in columns))
        tables.append(table)
    if not tables:
        return "No rows: the data has no dates in the window.\n"
    return _print(tables, color=color, width=width)


def _print(renderables, *, color: bool, width: int | None) -> str:
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width or 10_000,
                      color_system="auto" if color else None, highlight=False)
    for item in renderables:
        console.print(item)
    text = buffer.getvalue()
    # Off a terminal the console is unbounded; trailing padding only bloats files and cron mail.
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n" if not width else text


RENDERERS = {Format.table: _report_table, Format.csv: _report_csv, Format.json: _report_json,
             Format.markdown: _report_markdown}


# ---- cohorts ------------------------------------------------------------------------------------

_HEAT = ((0.8, "dark_green"), (0.6, "green4"), (0.4, "yellow4"), (0.2, "dark_orange3"), (0.0, "red3"))


def render_cohorts(frame, meta: dict, fmt: Format, *, color: bool, width: int | None, raw: bool = False) -> str:
    """Long rows for tools; for people, triangles of retention (and revenue retention) per segment."""
    records = frame.to_dicts()
    if fmt == Format.json:
        rows = [{k: _jsonable(v) for k, v in r.items()} for r in records]
        return json.dumps({"meta": meta, "rows": rows}, indent=2, ensure_ascii=False) + "\n"
    if fmt == Format.csv:
        return _csv(frame.columns, records, raw)
    by = meta.get("by", [])
    triangles = [("rate", "customers still active")]
    if any(r["revenue"] for r in records):
        triangles.append(("revenue_rate", "revenue vs the acquisition period"))
    parts = []
    for segment in dict.fromkeys(tuple(r[b] for b in by) for r in records):
        mine = [r for r in records if tuple(r[b] for b in by) == segment]
        prefix = ", ".join(f"{b}: {_segment(v)}" for b, v in zip(by, segment))
        for field, what in triangles:
            parts.append(_triangle(mine, field, f"{prefix + ' — ' if prefix else ''}{what}", meta["period"]))
    if not parts:
        return "No cohorts: the data has no dated activity.\n"
    if fmt == Format.markdown:
        return "\n".join(f"### {title}\n\n" + _markdown(columns, [{k: _cell_text(v) for k, v in r.items()}
                                                                   for r in rows]) for title, columns, rows in parts)
    from rich.table import Table
    from rich.text import Text

    tables = []
    for title, columns, rows in parts:
        table = Table(title=title, title_justify="left", header_style="bold")
        for index, column in enumerate(columns):
            table.add_column(column, justify="left" if index < 2 else "right")
        for row in rows:
            table.add_row(*(Text(row[c][0], style=_heat(row[c][1]) if color else "") if isinstance(row.get(c), tuple)
                            else str(row.get(c, "")) for c in columns))
        tables.append(table)
    return _print(tables, color=color, width=width)


def _triangle(records, field, title, period):
    """(title, columns, rows): a row per cohort, a column per period index; cells are (text, rate)."""
    indexes = sorted({r["period_index"] for r in records})
    columns = ["cohort", "customers", *(str(i) for i in indexes)]
    rows: dict[str, dict] = {}
    for r in records:
        label = r["cohort"].strftime("%Y-%m") if period == "month" else r["cohort"].isoformat()
        row = rows.setdefault(label, {"cohort": label, "customers": f"{r['customers']:,}"})
        row[str(r["period_index"])] = (format_value(r[field], "ratio"), r[field])
    return title, columns, list(rows.values())


def _cell_text(value) -> str:
    return value[0] if isinstance(value, tuple) else str(value)


def _heat(rate) -> str:
    if rate is None:
        return "dim"
    colour = next(c for floor, c in _HEAT if min(rate, 1.0) >= floor)
    return f"white on {colour}"


# ---- check --------------------------------------------------------------------------------------

def render_check(outcome, config, fmt: str, verbose: bool) -> str:
    """Misses (and with verbose, every verdict) as text lines or one JSON document."""
    from crmctl.metrics.catalogue import registry

    BY_NAME = registry(config)
    shown = outcome.verdicts if verbose else outcome.misses
    if fmt == "json":
        period = {"start": _jsonable(outcome.period_start), "end": _jsonable(outcome.period_end)}
        return json.dumps({"period": period, "ok": not outcome.misses,
                           "results": [{k: v for k, v in r.items() if k != "target"} for r in shown]},
                          indent=2, ensure_ascii=False) + "\n"
    lines = []
    for r in shown:
        unit = BY_NAME[r["metric"]].unit
        segment = " ".join(f"{k}={_segment(v)}" for k, v in r["segment"].items())
        value = format_value(r["value"], unit)
        bounds = " and ".join(f"{k} {format_value(r[k], unit)}" for k in ("min", "max") if r[k] is not None)
        where = f"{r['metric']}{' ' + segment if segment else ''} {outcome.period_start}..{outcome.period_end}"
        lines.append(f"{r['status'].upper()}: {where}: {value} (target {bounds})")
    return "\n".join(lines) + "\n" if lines else ""


# ---- explain ------------------------------------------------------------------------------------

def render_explanation(details: dict, fmt: Format) -> str:
    if fmt == Format.json:
        return json.dumps(details, indent=2, ensure_ascii=False, default=_jsonable) + "\n"
    unit = details["unit"]
    segment = ", ".join(f"{k}={_segment(v)}" for k, v in details["segment"].items()) or "all customers"
    period = details["period"]
    when = f"{period['start']} .. {period['end']}" if period["start"] else "snapshot"
    lines = [f"{details['metric']} — {details['title']} ({details['family']}, {unit})", "",
             f"Definition: {details['definition']}", "",
             f"Cell:        {when}, {segment}" + (f", activity model {details['activity_model']}"
                                                  if details["activity_model"] else ""),
             f"Value:       {format_value(details['value'], unit)}" + (f"  ({details['note']})" if details["note"] else ""),
             f"Numerator:   {_plain(details['numerator']['value'])}  {details['numerator']['counts'] or ''}".rstrip(),
             f"Denominator: {_plain(details['denominator']['value'])}  "
             f"{details['denominator']['counts'] or ''}".rstrip(),
             f"Observations (n): {details['observations']}"]
    if details["knobs"]:
        lines += ["", "Knobs in force:"]
        lines += [f"  {k} = {v['value']}" + (" (default)" if v["default"] else " (from the config)")
                  for k, v in details["knobs"].items()]
    lines += ["", "Rows read (all periods):"]
    for name, d in details["datasets"].items():
        why = ", ".join(f"{n} {reason}" for reason, n in d["skipped_because"].items())
        lines.append(f"  {name}: {d['rows_read']:,} read, {d['rows_used']:,} used, {d['rows_filtered']:,} filtered "
                     f"by where:, {d['rows_skipped']:,} skipped" + (f" ({why})" if why else ""))
        for field, count in d["invalid_values"].items():
            lines.append(f"    {field}: {count:,} values did not parse")
    if "ids" in details:
        ids = details["ids"]
        lines += [""]
        if not ids["available"]:
            lines.append(f"Ids: {ids['why']}")
        else:
            more = " (first 1000 shown)" if ids["truncated"] else ""
            lines.append(f"Ids behind the numerator ({ids['count']}){more}:")
            lines += [f"  {i}" for i in ids["ids"]]
    return "\n".join(lines) + "\n"


# ---- validate -----------------------------------------------------------------------------------

def render_validation(report, fmt: Format, *, color: bool, width: int | None) -> str:
    if fmt == Format.json:
        return json.dumps(report.as_dict(), indent=2, ensure_ascii=False, default=_jsonable) + "\n"
    datasets = [{"dataset": name, "rows read": f"{d['rows_read']:,}", "used": f"{d['rows_used']:,}",
                 "filtered": f"{d['rows_filtered']:,}", "skipped": f"{d['rows_skipped']:,}"}
                for name, d in report.datasets.items()]
    fields = [{"dataset": name, "field": f, "complete": format_value(v["completeness"], "ratio"),
               "parses": format_value(v["parse_rate"], "ratio"), "invalid": f"{v['invalid']:,}"}
              for name, d in report.datasets.items() for f, v in d["fields"].items()]
    findings = [{"level": f.level, "dataset": f.dataset, "finding": f.message,
                 "rows": ", ".join(map(str, f.rows)), "examples": ", ".join(map(str, f.examples))}
                for f in report.findings]
    parts = [("Datasets", ["dataset", "rows read", "used", "filtered", "skipped"], datasets),
             ("Fields", ["dataset", "field", "complete", "parses", "invalid"], fields),
             ("Findings", ["level", "dataset", "finding", "rows", "examples"], findings)]
    if fmt == Format.markdown or fmt == Format.csv:
        return "\n".join(f"### {title}\n\n" + _markdown(columns, rows) for title, columns, rows in parts if rows)
    from rich.table import Table

    tables = []
    for title, columns, rows in parts:
        if not rows:
            continue
        table = Table(title=title, title_justify="left", header_style="bold")
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            style = {"error": "bold red", "warning": "yellow"}.get(row.get("level"), "") if color else ""
            table.add_row(*(row[c] for c in columns), style=style)
        tables.append(table)
    if not report.findings:
        tables.append("No problems found.")
    return _print(tables, color=color, width=width)


# ---- generic records (the metric catalogue) ----------------------------------------------------

def render_records(columns: list[str], records: list[dict], fmt: Format, *, color: bool, width: int | None,
                   title: str | None = None) -> str:
    if fmt == Format.json:
        return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    if fmt == Format.csv:
        return _csv(columns, records, raw=False)
    text_rows = [{c: _text(r.get(c)) for c in columns} for r in records]
    if fmt == Format.markdown:
        return _markdown(columns, text_rows)
    from rich.table import Table

    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in text_rows:
        table.add_row(*(row[c] for c in columns))
    return _print([table], color=color, width=width)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def _csv(columns, records, raw: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        cells = [_csv_cell(record.get(c)) for c in columns]
        writer.writerow(cells if raw else [_safe_cell(c) for c in cells])
    return buffer.getvalue()


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ";".join(map(str, value))
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return _jsonable(value)


def _markdown(columns, rows) -> str:
    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines) + "\n"


# ---- writing ------------------------------------------------------------------------------------

def write_output(text: str, output: Path | None) -> None:
    """To stdout, or to a file atomically: a temp file beside it, then a rename."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    output = Path(output)
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"--output {output}: folder {folder} does not exist; create it first")
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"--output {output}: cannot write in {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.replace(temp, output)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise OutputError(f"--output {output}: cannot write: {exc.strerror}") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise

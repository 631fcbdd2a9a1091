"""What check, explain and validate print."""

from __future__ import annotations

import json

from crmctl.render.base import PICTURES, Format, unsupported, format_value, jsonable, to_text, segment_label, plain_number, markdown_table


def render_check(outcome, config, fmt: str, verbose: bool) -> str:
    """Misses (and with verbose, every verdict) as text lines or one JSON document."""
    from crmctl.metrics.catalogue import registry

    BY_NAME = registry(config)
    # misses within noise are shown too: the reader should know the target is in doubt
    shown = outcome.verdicts if verbose else [v for v in outcome.verdicts if v["status"] in ("missed", "within noise")]
    if fmt == "json":
        period = {"start": jsonable(outcome.period_start), "end": jsonable(outcome.period_end)}
        return json.dumps({"period": period, "ok": not outcome.misses,
                           "results": [{k: v for k, v in r.items() if k != "target"} for r in shown]},
                          indent=2, ensure_ascii=False) + "\n"
    lines = []
    for r in shown:
        unit = BY_NAME[r["metric"]].unit
        segment = " ".join(f"{k}={segment_label(v)}" for k, v in r["segment"].items())
        value = format_value(r["value"], unit)
        bounds = " and ".join(f"{k} {format_value(r[k], unit)}" for k in ("min", "max") if r[k] is not None)
        when = f"{outcome.period_start}..{outcome.period_end}" if outcome.period_start else "snapshot"
        where = f"{r['metric']}{' ' + segment if segment else ''} {when}"
        interval = (f", {format_value(r['ci_low'], unit)}…{format_value(r['ci_high'], unit)} CI"
                    if r.get("ci_low") is not None else "")
        lines.append(f"{r['status'].upper()}: {where}: {value} (target {bounds}{interval})")
    return "\n".join(lines) + "\n" if lines else ""


def render_explanation(details: dict, fmt: Format) -> str:
    if fmt in PICTURES:
        unsupported(fmt, "crmctl explain", (Format.table, Format.json))
    if fmt == Format.json:
        return json.dumps(details, indent=2, ensure_ascii=False, default=jsonable) + "\n"
    unit = details["unit"]
    segment = ", ".join(f"{k}={segment_label(v)}" for k, v in details["segment"].items()) or "all customers"
    period = details["period"]
    when = f"{period['start']} .. {period['end']}" if period["start"] else "snapshot"
    lines = [f"{details['metric']} — {details['title']} ({details['family']}, {unit})", "",
             f"Definition: {details['definition']}", "",
             f"Cell:        {when}, {segment}" + (f", activity model {details['activity_model']}"
                                                  if details["activity_model"] else ""),
             f"Value:       {format_value(details['value'], unit)}" + (f"  ({details['note']})" if details["note"] else ""),
             f"Numerator:   {plain_number(details['numerator']['value'])}  {details['numerator']['counts'] or ''}".rstrip(),
             f"Denominator: {plain_number(details['denominator']['value'])}  "
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


def render_validation(report, fmt: Format, *, color: bool, width: int | None) -> str:
    if fmt in PICTURES:
        unsupported(fmt, "crmctl validate", (Format.table, Format.json, Format.markdown))
    if fmt == Format.json:
        return json.dumps(report.as_dict(), indent=2, ensure_ascii=False, default=jsonable) + "\n"
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
        return "\n".join(f"### {title}\n\n" + markdown_table(columns, rows) for title, columns, rows in parts if rows)
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
    return to_text(tables, color=color, width=width)

"""What check, explain, validate, the catalogue and convert's cleaning print."""

from __future__ import annotations

from crmctl.render.convert import describe_cleaned
from crmctl.render.text import json_text, literal, markdown_text
from crmctl.render.view import Options, View
from crmctl.render.base import Format, format_value, render_records, jsonable, segment_label, plain_number, markdown_table
from crmctl.render.text_table import wrapped


def _judged(outcome, verbose: bool) -> list[dict]:
    """Misses (misses within noise too: the reader should know the target is in doubt); every verdict with
    verbose."""
    return outcome.verdicts if verbose else [v for v in outcome.verdicts if v["status"] in ("missed", "within noise")]


def check_document(outcome, verbose: bool) -> dict:
    """check's JSON: the period judged, ok, and the verdicts shown (check --anomalies adds to it)."""
    period = {"start": jsonable(outcome.period_start), "end": jsonable(outcome.period_end)}
    return {"period": period, "ok": not outcome.misses,
            "results": [{k: v for k, v in r.items() if k != "target"} for r in _judged(outcome, verbose)]}


def _check_json(outcome, options: Options) -> str:
    return json_text(check_document(outcome, options.verbose))


def check_lines(outcome, options: Options) -> str:
    """One line per verdict shown; nothing at all when every target is met (cron mails only failures)."""
    lines = []
    for r in _judged(outcome, options.verbose):
        unit = outcome.units[r["metric"]]
        segment = " ".join(f"{k}={segment_label(v)}" for k, v in r["segment"].items())
        value = format_value(r["value"], unit)
        bounds = " and ".join(f"{k} {format_value(r[k], unit)}" for k in ("min", "max") if r[k] is not None)
        when = f"{outcome.period_start}..{outcome.period_end}" if outcome.period_start else "snapshot"
        where = f"{r['metric']}{' ' + segment if segment else ''} {when}"
        interval = (f", {format_value(r['ci_low'], unit)}…{format_value(r['ci_high'], unit)} CI"
                    if r.get("ci_low") is not None else "")
        lines.append(f"{r['status'].upper()}: {where}: {value} (target {bounds}{interval})")
    # on a terminal (a width) long lines wrap at words; a pipe keeps each verdict on one line, for grep
    return wrapped("\n".join(lines), options.width) + "\n" if lines else ""


def _explanation_lines(explanation, options: Options) -> str:
    details = explanation.details
    unit = details["unit"]
    segment = ", ".join(f"{k}={segment_label(v)}" for k, v in details["segment"].items()) or "all customers"
    period = details["period"]
    when = f"{period['start']} .. {period['end']}" if period["start"] else "snapshot"
    lines = [f"{details['metric']} — {details['title']} ({details['family']}, {unit})", "",
             f"Definition: {details['definition']}", "",
             f"Cell:        {when}, {segment}" + (f", activity model {details['activity_model']}"
                                                  if details["activity_model"] else ""),
             f"Value:       {format_value(details['value'], unit)}" + (f"  ({literal(details['note'])})" if details["note"] else ""),
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
            lines += [f"  {literal(i)}" for i in ids["ids"]]
    # on a terminal (a width) long lines wrap at words; a pipe keeps each line whole
    return wrapped("\n".join(lines), options.width) + "\n"


def _explanation_markdown(explanation, options: Options) -> str:
    """The explanation's lines as Markdown: each escaped (they quote values from data: a segment, ids), a
    hard line break (a trailing backslash) between the lines of one paragraph."""
    from dataclasses import replace

    # Markdown keeps each line whole (no width): the reader's viewer wraps it
    lines = _explanation_lines(explanation, replace(options, width=None)).rstrip("\n").split("\n")
    shown = [markdown_text(line.strip()) + ("\\" if line and following else "")
             for line, following in zip(lines, lines[1:] + [""])]
    return "\n".join(shown) + "\n"


def _validation_parts(report) -> list[tuple[str, list[str], list[dict]]]:
    datasets = [{"dataset": name, "rows read": f"{d['rows_read']:,}", "used": f"{d['rows_used']:,}",
                 "filtered": f"{d['rows_filtered']:,}", "skipped": f"{d['rows_skipped']:,}"}
                for name, d in report.datasets.items()]
    fields = [{"dataset": name, "field": f, "complete": format_value(v["completeness"], "ratio"),
               "parses": format_value(v["parse_rate"], "ratio"), "invalid": f"{v['invalid']:,}"}
              for name, d in report.datasets.items() for f, v in d["fields"].items()]
    findings = [{"level": f.level, "dataset": f.dataset, "finding": literal(f.message),
                 "rows": ", ".join(map(str, f.rows)), "examples": ", ".join(map(literal, f.examples))}
                for f in report.findings]
    parts = [("Datasets", ["dataset", "rows read", "used", "filtered", "skipped"], datasets),
             ("Fields", ["dataset", "field", "complete", "parses", "invalid"], fields),
             ("Findings", ["level", "dataset", "finding", "rows", "examples"], findings)]
    return parts


def _validation_markdown(report, options: Options) -> str:
    return "\n".join(f"### {title}\n\n" + markdown_table(columns, rows)
                     for title, columns, rows in _validation_parts(report) if rows)


def _validation_tables(report, options: Options) -> str:
    from crmctl.render.text_table import Column, TextTable, table_text

    numeric = {"rows read", "used", "filtered", "skipped", "complete", "parses", "invalid"}
    wrapping = {"finding", "rows", "examples"}
    level_style = {"error": "bold red", "warning": "yellow"}
    tables = [TextTable([Column(c, numeric=c in numeric, wrap=c in wrapping) for c in columns],
                        [[row[c] for c in columns] for row in rows], title=title,
                        row_styles=[level_style.get(row.get("level"), "") if options.color else "" for row in rows])
              for title, columns, rows in _validation_parts(report) if rows]
    return table_text(tables, color=options.color, width=options.width,
                      notes=[] if report.findings else ["No problems found."])


def _records_json(result, options: Options) -> str:
    return json_text(result.records[0] if result.single else result.records)


def _records(fmt: Format):
    return lambda result, options: render_records(result.columns, result.records, fmt, color=options.color,
                                                  width=options.width, title=result.title)


# `crmctl metrics` for people: one line a metric; the definition and the rest with `crmctl metrics NAME`.
CATALOGUE_COLUMNS = ["name", "title", "family", "unit", "computable"]


def _catalogue_table(result, options: Options) -> str:
    """A compact list (descriptions folded into 80 columns ran to 862 lines); one metric: every field."""
    if len(result.records) == 1:
        return _records(Format.table)(result, options)
    from crmctl.render.text_table import Column, TextTable, table_text

    rows = [[r["name"], r["title"], r["family"], r["unit"], "yes" if r["computable"] else f"no: {r['missing']}"]
            for r in result.records]
    table = TextTable([Column(c, wrap=c == "computable") for c in CATALOGUE_COLUMNS], rows,
                      drop_first=("family", "title"))
    note = "crmctl metrics NAME shows one in full (definition, numerator, denominator); -f csv or -f json: every field"
    return table_text([table], color=options.color, width=options.width, notes=[note])


def _clean_json(clean, options: Options) -> str:
    results = clean.results
    failed = sum(r.to_dict()["status"] == "failed" for r in results)
    document = {"files": [r.to_dict() for r in results], "written": len(results) - failed, "failed": failed}
    return json_text(document)


def _to_json(document) -> str:
    return json_text(document, default=jsonable)


CHECK = View("crmctl check", {Format.table: check_lines, Format.json: _check_json})
EXPLANATION = View("crmctl explain", {Format.table: _explanation_lines, Format.csv: _explanation_lines,
                                      Format.markdown: _explanation_markdown,
                                      Format.json: lambda explanation, options: _to_json(explanation.details)})
VALIDATION = View("crmctl validate", {Format.table: _validation_tables, Format.json: lambda report, options:
                                      _to_json(report.as_dict()), Format.markdown: _validation_markdown})  # no csv: three tables of different columns are no one CSV
RECORDS = View("this command", {Format.table: _records(Format.table), Format.csv: _records(Format.csv),
                                Format.json: _records_json, Format.markdown: _records(Format.markdown)})
CATALOGUE = View("crmctl metrics", {**RECORDS.formats, Format.table: _catalogue_table})
CLEAN = View("crmctl convert", {Format.table: lambda clean, options: "".join(describe_cleaned(r.to_dict())
                                                                             for r in clean.results),
                                Format.json: _clean_json})

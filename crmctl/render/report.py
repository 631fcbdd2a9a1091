"""The report in each format; RENDERERS is the one switch on format for reports."""

from __future__ import annotations

from crmctl.render.view import Options, View
from crmctl.render.base import (
    Format, Layout, default_layout, header, period_label, jsonable, segment_label, plain_number, csv_text,
    markdown_table,
)
from crmctl.render.text import json_text, literal, markdown_text
from crmctl.render.marks import footnotes, value_cell


def report_records(result, layout: Layout) -> tuple[list[str], list[dict]]:
    """The report as plain rows: long (the tidy contract) or wide (one column per metric)."""
    rows = result.rows
    if layout == Layout.long:
        return rows.columns, rows.to_dicts()
    keys = ["period_start", "period_end", *result.by]
    # With --ci, each sampled metric's bounds follow its column: nps, nps_ci_low, nps_ci_high.
    bounds = ("ci_low", "ci_high") if "ci_low" in rows.columns else ()
    names = [c for m in result.metrics
             for c in (m.name, *(f"{m.name}_{b}" for b in bounds if getattr(m, "interval", None)))]
    if not rows.height:
        return keys + names, []
    renamed = {**{f"value_{m.name}": m.name for m in result.metrics},
               **{f"{b}_{m.name}": f"{m.name}_{b}" for m in result.metrics for b in bounds}}
    wide = rows.pivot(on="metric", index=keys, values=["value", *bounds], aggregate_function=None)
    # Several values columns: Polars names them value_nps, ci_low_nps; one: nps (nothing to rename).
    wide = wide.rename({old: new for old, new in renamed.items() if old in wide.columns})
    return keys + names, wide.select(keys + [n for n in names if n in wide.columns]).to_dicts()


def render_report(result, fmt: Format, layout: Layout | None, *, color: bool, width: int | None,
                  currency: str | None = None, raw: bool = False) -> str | bytes:
    """Text for every format but png (bytes); write_output writes either."""
    return REPORT.render(result, fmt, Options(color=color, width=width, raw=raw, currency=currency, layout=layout))


def _laid_out(fmt: Format):
    """RENDERERS[fmt] as a view's function: the layout defaults by format (auto fits a screen: tables only)."""
    def show(result, options: Options) -> str | bytes:
        layout = options.layout
        if layout is None or (layout == Layout.auto and fmt != Format.table):
            layout = default_layout(fmt)
        return RENDERERS[fmt](result, layout, color=options.color, width=options.width, currency=options.currency,
                              raw=options.raw)

    return show


def _report_csv(result, layout, *, raw, **_) -> str:
    columns, records = report_records(result, layout)
    return csv_text(columns, records, raw)


def _report_json(result, layout, **_) -> str:
    columns, records = report_records(result, layout)
    rows = [{c: jsonable(r.get(c)) for c in columns} for r in records]
    return json_text({"meta": result.meta, "rows": rows})


def _display_rows(result, layout, currency):
    """Formatted cells for people: per segment, one row per period (wide) or per metric (long)."""
    by_name = {m.name: m for m in result.metrics}
    has_compare = "change" in result.rows.columns
    if layout == Layout.long:
        columns = ["period", *result.by, "metric", "value", "numerator", "denominator", "n", "note"]
        out = []
        for r in result.rows.to_dicts():
            cell = value_cell(r, by_name[r["metric"]], result.min_n, has_compare)
            out.append({"period": period_label(r["period_start"], r["period_end"], result.period),
                        **{b: segment_label(r[b]) for b in result.by}, "metric": r["metric"], "value": cell,
                        "numerator": plain_number(r["numerator"]), "denominator": plain_number(r["denominator"]),
                        "n": str(r["n"]), "note": literal(r["note"] or "")})
        return {(): (columns, out)}
    groups: dict[tuple, tuple[list[str], list[dict]]] = {}
    columns = ["period", *(header(m, currency) for m in result.metrics)]
    cells: dict[tuple, dict[str, dict]] = {}
    for r in result.rows.to_dicts():
        segment = tuple(segment_label(r[b]) for b in result.by)
        label = period_label(r["period_start"], r["period_end"], result.period)
        metric = by_name[r["metric"]]
        text = value_cell(r, metric, result.min_n, has_compare)
        cells.setdefault(segment, {}).setdefault(label, {"period": label})[header(metric, currency)] = text
    labels = {label for periods in cells.values() for label in periods}
    if len(labels) == 1 and result.by:  # one period: a row per segment reads better than a table each
        rows = [{**dict(zip(result.by, segment)), **row} for segment, periods in cells.items()
                for row in periods.values()]
        return {(): (["period", *result.by, *columns[1:]], rows)}
    for segment, periods in cells.items():
        groups[segment] = (columns, sorted(periods.values(), key=lambda row: row["period"]))
    return groups


def _report_markdown(result, layout, *, currency, **_) -> str:
    parts = []
    for segment, (columns, rows) in _display_rows(result, layout, currency).items():
        if segment:
            parts.append("### " + markdown_text(", ".join(f"{b}: {v}" for b, v in zip(result.by, segment))) + "\n")
        parts.append(markdown_table(columns, rows))
    if parts:
        parts += [f"_{note}_\n" for note in footnotes(result)]
    return "\n".join(parts) if parts else "_No rows: the data has no dates in the window._\n"


def _report_table(result, layout, *, color, width, currency, **_) -> str:
    from crmctl.render.report_table import report_table

    if layout == Layout.long:  # the statement layout: metrics as rows, periods as columns
        text = report_table(result, layout, {(): None} if result.rows.height else {}, color=color, width=width,
                            currency=currency)
    else:
        text = report_table(result, layout, _display_rows(result, Layout.wide, currency), color=color, width=width,
                            currency=currency)
    notes = footnotes(result) if result.rows.height else []
    return text + "".join(f"\n{note}" if i == 0 else note for i, note in enumerate(f"{n}\n" for n in notes))


def _report_html(result, layout, *, currency, **_) -> str:
    from crmctl.render.report_html import render_report_html

    return render_report_html(result, currency)


def _report_chart(fmt: Format):
    def render(result, layout, *, currency, **_) -> str | bytes:
        from crmctl.render.report_html import render_chart

        return render_chart(result, None, fmt, currency)  # slides: the first (or only) metric

    return render


RENDERERS = {Format.table: _report_table, Format.csv: _report_csv, Format.json: _report_json,
             Format.markdown: _report_markdown, Format.html: _report_html, Format.svg: _report_chart(Format.svg),
             Format.png: _report_chart(Format.png)}
REPORT = View("crmctl report", {fmt: _laid_out(fmt) for fmt in RENDERERS})

"""crmctl compare for people (a table with ▲▼ on significant lifts) and for tools (csv, json, markdown)."""

from __future__ import annotations

from crmctl.render.base import Format, csv_rows, format_value, json_rows, markdown_table
from crmctl.render.text import literal, markdown_text
from crmctl.render.view import Options, View

# How the table shows each compare metric's values (ratios as percentages, NPS as points).
UNITS = {"conversion_rate": "ratio", "repeat_purchase_rate": "ratio", "churn_rate": "ratio", "csat": "ratio",
         "revenue_per_customer": "money", "average_order_value": "money", "nps": "score"}


_COLUMNS = ["metric", "{by}", "n", "value", "interval", "lift", "rel. lift", "p (Holm)"]


def _laid_out(result) -> tuple[list[str], list[dict], str]:
    """The columns, each row's cells and the title the table, Markdown and the page share."""
    meta, by = result.meta, result.meta["by"]
    columns = [c.format(by=by) for c in _COLUMNS]
    rows = [_cells(r, by) for r in result.rows.to_dicts()]
    level = f"{meta['confidence']:.0%} intervals" if meta.get("confidence") else "intervals"
    groups = f"experiment {literal(meta['experiment'])}: each variant" if meta.get("experiment") else f"{by}: each group"
    return columns, rows, f"{groups} against '{literal(meta['control'])}' ({meta['window'] or 'no dated data'}; {level})"


def _markdown(result, options: Options) -> str:
    columns, rows, _ = _laid_out(result)
    return _srm_line(result.meta, markdown_text) + markdown_table(columns, rows)


def _page(result, options: Options) -> str:
    """The table and, above it, a chart per metric of each group's interval against the control."""
    from crmctl.errors import OutputError
    from crmctl.render.rows_html import about_text, rows_page

    columns, rows, title = _laid_out(result)
    meta, notes, charts = result.meta, [], []
    try:
        charts = _interval_charts(result.rows.to_dicts(), meta["by"])
    except OutputError as error:  # the list stays useful without the html extra: say what draws the charts
        notes.append(f"No charts: {error}")
    srm = _srm_line(meta).strip()
    # experiment: only when there is one (--experiment); the rest of the meta as people read it
    about = [(k.replace("_", " "), about_text(v)) for k, v in meta.items()
             if k not in ("srm", "unavailable") and not (k == "experiment" and v is None)]
    about += [(f"not computed: {name}", why) for name, why in (meta.get("unavailable") or {}).items()]
    return rows_page("crmctl compare", title, columns, rows, set(columns[2:]), about, ([srm] if srm else []) + notes,
                     charts=charts)


def _interval_charts(records, by) -> list[str]:
    from crmctl.render.charts import interval_spec, to_svg
    from crmctl.render.html_page import figure

    charts = []
    for metric in dict.fromkeys(r["metric"] for r in records):
        groups = [{"group": str(r[by]), "value": r["value"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                   "status": "control" if r["test"] is None else "significant" if r["significant"] else
                   "within noise"} for r in records if r["metric"] == metric and r["value"] is not None]
        if groups:
            unit = UNITS.get(metric, "ratio")
            charts.append(figure(to_svg(interval_spec(groups, title=metric, unit=unit)), metric=metric))
    return charts


def _table(result, options: Options) -> str:
    from crmctl.render.text_table import Column, TextTable, table_text, wrapped

    columns, rows, title = _laid_out(result)
    width = options.width
    # On a terminal a metric's name shows on its first row only; narrow, the relative lift and n go
    # first, then the interval (the lift, its p-value and ▲▼ carry the finding), never a digit of a number.
    cells = [[("" if width is not None and c == "metric" and i and rows[i - 1]["metric"] == row["metric"] else row[c])
              for c in columns] for i, row in enumerate(rows)]
    table = TextTable([Column(c, numeric=i >= 2) for i, c in enumerate(columns)], cells, title=title,
                      drop_first=("rel. lift", "n", "interval"), compact=True)
    return table_text([table], color=options.color, width=width) + wrapped(_srm_line(result.meta), width)


def _cells(r: dict, by: str) -> dict:
    unit = UNITS.get(r["metric"], "ratio")
    lift_unit = "points" if unit == "ratio" else unit

    def show(value, u=unit):
        return "" if value is None else (f"{value * 100:+.2f} pp" if u == "points" else format_value(value, u))

    interval = "" if r["ci_low"] is None else f"{show(r['ci_low']).rstrip('%')}…{show(r['ci_high'])}"
    lift = "" if r["lift"] is None else show(r["lift"], lift_unit)
    relative = "" if r["relative_lift"] is None else f"{r['relative_lift'] * 100:+.1f}%"
    mark = "" if not r["significant"] else (" ▲" if r["lift"] > 0 else " ▼")
    p = "" if r["p_adjusted"] is None else _p_value(r["p_adjusted"]) + mark
    if r["test"] is None:
        lift = "control"
    return {"metric": r["metric"], by: literal(r[by]), "n": f"{r['n']:,}", "value": show(r["value"]),
            "interval": interval, "lift": lift, "rel. lift": relative, "p (Holm)": p}


def _p_value(p: float) -> str:
    """Three significant digits; below 0.001 only that (JSON and CSV keep the exact value)."""
    return "<0.001" if p < 0.001 else f"{p:.3g}"


def _srm_line(meta: dict, shown=literal) -> str:
    """The sample-ratio verdict; its warning names the groups, so it is data: `shown` makes it literal (for
    Markdown: markdown_text)."""
    srm = meta["srm"]
    if srm["warning"]:
        return f"\nWARNING: {shown(srm['warning'])}\n\n"
    if srm.get("applies") is False:
        return "\nSample ratio: not checked: the groups were not randomised (docs/statistics.md)\n\n"
    if srm["p_value"] is None:
        return ""
    return f"\nSample ratio: chi2 = {srm['chi2']:.2f}, p = {srm['p_value']:.3g} (no mismatch at p < 0.001)\n\n"


COMPARISON = View("crmctl compare", {Format.table: _table, Format.csv: csv_rows, Format.json: json_rows,
                                     Format.markdown: _markdown, Format.html: _page})

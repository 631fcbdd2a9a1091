"""Cohort triangles for people (heat-coloured), long rows for tools."""

from __future__ import annotations

import json

from crmctl.render.base import Format, unsupported, format_value, jsonable, to_text, segment_label, csv_text, markdown_table


_HEAT = ((0.8, "dark_green"), (0.6, "green4"), (0.4, "yellow4"), (0.2, "dark_orange3"), (0.0, "red3"))


def render_cohorts(frame, meta: dict, fmt: Format, *, color: bool, width: int | None, raw: bool = False) -> str:
    """Long rows for tools; for people, triangles of retention (and revenue retention) per segment."""
    records = frame.to_dicts()
    if fmt == Format.json:
        rows = [{k: jsonable(v) for k, v in r.items()} for r in records]
        return json.dumps({"meta": meta, "rows": rows}, indent=2, ensure_ascii=False) + "\n"
    if fmt == Format.csv:
        return csv_text(frame.columns, records, raw)
    if fmt == Format.html:
        from crmctl.render.cohorts_html import render_cohorts_html

        return render_cohorts_html(frame, meta)
    if fmt in (Format.svg, Format.png):
        unsupported(fmt, "crmctl cohorts", (Format.table, Format.csv, Format.json, Format.markdown, Format.html))
    by = meta.get("by", [])
    triangles = [("rate", "customers still active")]
    if any(r["revenue"] for r in records):
        triangles.append(("revenue_rate", "revenue vs the acquisition period"))
    parts = []
    for segment in dict.fromkeys(tuple(r[b] for b in by) for r in records):
        mine = [r for r in records if tuple(r[b] for b in by) == segment]
        prefix = ", ".join(f"{b}: {segment_label(v)}" for b, v in zip(by, segment))
        for field, what in triangles:
            parts.append(_triangle(mine, field, f"{prefix + ' — ' if prefix else ''}{what}", meta["period"]))
    if not parts:
        return "No cohorts: the data has no dated activity.\n"
    if fmt == Format.markdown:
        return "\n".join(f"### {title}\n\n" + markdown_table(columns, [{k: _cell_text(v) for k, v in r.items()}
                                                                   for r in rows]) for title, columns, rows in parts)
    if width is None:  # a pipe or a file: plain aligned text, as the report prints there
        from crmctl.render.report_table import plain_lines

        return "\n".join("\n".join([title, ""] + plain_lines(
            columns, [[_cell_text(row.get(c, "")) for c in columns] for row in rows],
            [index >= 1 for index in range(len(columns))])) + "\n" for title, columns, rows in parts)
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
    return to_text(tables, color=color, width=width)


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

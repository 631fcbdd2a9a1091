"""Cohort triangles for people (heat-coloured), long rows for tools."""

from __future__ import annotations

from crmctl.render.cohort_fits import MARK, fits_part, projection_notes
from crmctl.render.text import json_text, markdown_text
from crmctl.render.view import Options, View
from crmctl.render.base import Format, format_value, jsonable, segment_label, csv_text, markdown_table


_HEAT = ((0.8, "dark_green"), (0.6, "green4"), (0.4, "yellow4"), (0.2, "dark_orange3"), (0.0, "red3"))


def _json(result, options: Options) -> str:
    rows = [{k: jsonable(v) for k, v in r.items()} for r in result.rows.to_dicts()]
    return json_text({"meta": _plain(result.meta), "rows": rows})


def _csv(result, options: Options) -> str:
    # true/false as in the JSON, rather than Python's True/False
    return csv_text(result.rows.columns, [{k: str(v).lower() if isinstance(v, bool) else v for k, v in r.items()}
                                          for r in result.rows.to_dicts()], options.raw)


def _page(result, options: Options) -> str:
    from crmctl.render.cohorts_html import render_cohorts_html

    return render_cohorts_html(result.rows, result.meta)


def _triangles(fmt: Format):
    return lambda result, options: _people(result.rows, result.meta, fmt, color=options.color, width=options.width)


def _people(frame, meta: dict, fmt: Format, *, color: bool, width: int | None) -> str:
    """For people, triangles of retention (and revenue retention) per segment."""
    records = frame.to_dicts()
    by = meta.get("by", [])
    triangles = [("rate", "customers still active")]
    if any(r["revenue"] for r in records):
        triangles.append(("revenue_rate", "revenue vs the acquisition period"))
    parts = []
    for segment in dict.fromkeys(tuple(r[b] for b in by) for r in records):
        mine = [r for r in records if tuple(r[b] for b in by) == segment]
        prefix = ", ".join(f"{b}: {segment_label(v)}" for b, v in zip(by, segment))
        for field, what in triangles:
            # Projections are of retention only: revenue is not modelled.
            kept = mine if field == "rate" else [r for r in mine if not r.get("projected")]
            parts.append(_triangle(kept, field, f"{prefix + ' — ' if prefix else ''}{what}", meta["period"]))
    if not parts:
        return "No cohorts: the data has no dated activity.\n"
    notes = [*meta.get("notes", []), *projection_notes(meta)]
    if fmt == Format.markdown:
        parts.extend(fits_part(meta))
        return "\n".join(f"### {markdown_text(title)}\n\n" + markdown_table(columns, [{k: _cell_text(v) for k, v in r.items()}
                                                                   for r in rows]) for title, columns, rows in parts
                         ) + "".join(f"\n{markdown_text(n)}\n" for n in notes)  # a note names its segment
    parts.extend(fits_part(meta))
    from crmctl.render.text_table import table_text

    return table_text([_text_table(title, columns, rows, color) for title, columns, rows in parts],
                      color=color, width=width, notes=notes)


def _text_table(title, columns, rows, color):
    """A triangle for a terminal: the latest periods go first when it is too wide (the early periods,
    where retention falls most, stay), heat-coloured cells on a light box."""
    from rich.text import Text

    from crmctl.render.text_table import Column, TextTable

    def shown(value):
        if isinstance(value, tuple):
            return Text(value[0], style=_style(value) if color else "")
        return str(value)

    periods = [c for c in columns if c.isdigit()]
    return TextTable([Column(c, numeric=i >= 1) for i, c in enumerate(columns)],
                     [[shown(row.get(c, "")) for c in columns] for row in rows], title=title,
                     drop_first=tuple(reversed(periods)), compact=True, say_left_out=_periods_left_out)


def _periods_left_out(names: list[str]) -> str:
    indexes = sorted(int(n) for n in names if n.isdigit())
    if not indexes:
        return f"(left out for width: {', '.join(names)}; widen the terminal or use -f csv)"
    span = f"period {indexes[0]}" if len(indexes) == 1 else f"periods {indexes[0]}–{indexes[-1]}"
    return f"{span} not shown for width: widen the terminal, or use a longer --period, -f csv or -f html"


def _triangle(records, field, title, period):
    """(title, columns, rows): a row per cohort, a column per period index; cells are (text, rate)."""
    indexes = sorted({r["period_index"] for r in records})
    columns = ["cohort", "customers", *(str(i) for i in indexes)]
    rows: dict[str, dict] = {}
    for r in records:
        label = r["cohort"].strftime("%Y-%m") if period == "month" else r["cohort"].isoformat()
        row = rows.setdefault(label, {"cohort": label, "customers": f"{r['customers']:,}"})
        projected = bool(r.get("projected"))
        text = format_value(r[field], "ratio") + (MARK if projected else "")
        row[str(r["period_index"])] = (text, r[field], projected)
    return title, columns, list(rows.values())


def _plain(value):
    """Meta for JSON: dates as ISO text, at any depth."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return jsonable(value)


def _cell_text(value) -> str:
    return value[0] if isinstance(value, tuple) else str(value)


def _style(cell: tuple) -> str:
    return "italic dim" if cell[2] else _heat(cell[1])


def _heat(rate) -> str:
    if rate is None:
        return "dim"
    colour = next(c for floor, c in _HEAT if min(rate, 1.0) >= floor)
    return f"white on {colour}"


COHORTS = View("crmctl cohorts", {Format.table: _triangles(Format.table), Format.csv: _csv, Format.json: _json,
                                  Format.markdown: _triangles(Format.markdown), Format.html: _page})

"""Cohorts as one HTML page: a heatmap per segment and triangle, the triangles as tables, the meta."""

from __future__ import annotations

from crmctl.render.base import format_value, segment_label
from crmctl.render.cohort_fits import MARK, fits_part, projection_notes
from crmctl.render.charts import heatmap_spec, to_svg
from crmctl.render.html_page import esc, figure, meta_list, page, section

TRIANGLES = (("rate", "customers still active"), ("revenue_rate", "revenue vs the acquisition period"))


def _cohort_label(cohort, period: str) -> str:
    return cohort.strftime("%Y-%m") if period == "month" else cohort.isoformat()


def cohort_groups(records: list[dict], by) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for r in records:
        groups.setdefault(", ".join(f"{b}: {segment_label(r[b])}" for b in by), []).append(r)
    return groups


def render_cohorts_html(frame, meta: dict) -> str:
    records = frame.to_dicts()
    by, period = meta.get("by", []), meta["period"]
    fields = [t for t in TRIANGLES if t[0] == "rate" or any(r["revenue"] for r in records)]
    charts, tables = [], []
    for segment, mine in cohort_groups(records, by).items():
        for field, what in fields:
            # Projections are of retention only: revenue is not modelled.
            kept = [r for r in mine if field == "rate" or not r.get("projected")]
            title = f"{segment + ' — ' if segment else ''}{what}"
            cells = [{"cohort": _cohort_label(r["cohort"], period), "index": r["period_index"], "rate": r[field],
                      "projected": bool(r.get("projected"))} for r in kept if r[field] is not None]
            spec = _lighter_projections(heatmap_spec(cells, title=title, period=period,
                                                     around_one=field == "revenue_rate"))
            charts.append(figure(to_svg(spec), metric=field))
            tables.append(_table(kept, field, title, period))
    if not charts:
        return page("crmctl cohorts", "no cohorts: the data has no dated activity", [])
    about = [(k.replace("_", " "), _text(v)) for k, v in meta.items()
             if k not in ("projection", "last_complete", "notes")]
    notes = "".join(f'<p class="sub">{esc(note)}</p>' for note in meta.get("notes", []))  # read before the cells
    sections = [section("Retention heatmaps", notes + '<div class="charts">' + "\n".join(charts) + "</div>"),
                section("Triangles", "\n".join(tables), "tables"),
                *_projection_section(meta),
                section("About this report", meta_list(about))]
    return page("crmctl cohorts", f"{meta.get('window', '')} · by {period}", sections)


def _text(value) -> str:
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def _table(records: list[dict], field: str, title: str, period: str) -> str:
    indexes = sorted({r["period_index"] for r in records})
    rows: dict[str, dict] = {}
    for r in records:
        rows.setdefault(_cohort_label(r["cohort"], period), {"customers": r["customers"]})[r["period_index"]] = (
            r[field], bool(r.get("projected")))
    head = "".join(f'<th class="num">{i}</th>' for i in indexes)
    body = "".join(
        f'<tr><th scope="row">{esc(label)}</th><td class="num">{row["customers"]:,}</td>'
        + "".join(_cell(label, i, row.get(i)) for i in indexes) + "</tr>"
        for label, row in rows.items())
    return (f'<h3>{esc(title)}</h3><div class="scroll"><table data-triangle="{esc(field)}"><thead><tr><th>cohort</th>'
            f'<th class="num">customers</th>{head}</tr></thead><tbody>{body}</tbody></table></div>')


def _cell(cohort: str, index: int, cell) -> str:
    value, projected = cell if cell is not None else (None, False)
    if value is None:
        return '<td class="num"></td>'
    marked = ' class="num projected" data-projected="true" style="font-style:italic;opacity:.6"' if projected \
        else ' class="num"'
    return (f'<td{marked} data-cohort="{esc(cohort)}" data-index="{index}" data-value="{esc(value)}">'
            f'{esc(format_value(value, "ratio"))}{MARK if projected else ""}</td>')


def _lighter_projections(spec: dict) -> dict:
    """Projected cells drawn at half opacity, so the eye tells them from observed ones."""
    spec["layer"][0]["encoding"]["opacity"] = {"condition": {"test": "datum.projected", "value": 0.45}, "value": 1}
    return spec


def _projection_section(meta: dict) -> list[str]:
    """The fitted alpha, beta and DERL per cohort, and the notes, when projecting."""
    if not meta.get("projection"):
        return []
    body = "".join(f'<p class="sub">{esc(note)}</p>' for note in projection_notes(meta))
    for title, columns, rows in fits_part(meta):
        head = "".join(f"<th>{esc(c)}</th>" for c in columns)
        cells = "".join("<tr>" + "".join(f"<td>{esc(r[c])}</td>" for c in columns) + "</tr>" for r in rows)
        body = f'<h3>{esc(title)}</h3><table data-fits="sbg"><thead><tr>{head}</tr></thead>' \
               f"<tbody>{cells}</tbody></table>" + body
    return [section("Projection", body)]

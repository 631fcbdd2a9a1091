"""Cohorts as one HTML page: a heatmap per segment and triangle, the triangles as tables, the meta."""

from __future__ import annotations

from crmctl.render.base import format_value, segment_label
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
            title = f"{segment + ' — ' if segment else ''}{what}"
            cells = [{"cohort": _cohort_label(r["cohort"], period), "index": r["period_index"], "rate": r[field]}
                     for r in mine if r[field] is not None]
            spec = heatmap_spec(cells, title=title, period=period, top=1.0 if field == "rate" else 2.0)
            charts.append(figure(to_svg(spec), metric=field))
            tables.append(_table(mine, field, title, period))
    if not charts:
        return page("crmctl cohorts", "no cohorts: the data has no dated activity", [])
    sections = [section("Retention heatmaps", '<div class="charts">' + "\n".join(charts) + "</div>"),
                section("Triangles", "\n".join(tables), "tables"),
                section("About this report", meta_list([(k.replace("_", " "), _text(v)) for k, v in meta.items()]))]
    return page("crmctl cohorts", f"{meta.get('window', '')} · by {period}", sections)


def _text(value) -> str:
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def _table(records: list[dict], field: str, title: str, period: str) -> str:
    indexes = sorted({r["period_index"] for r in records})
    rows: dict[str, dict] = {}
    for r in records:
        rows.setdefault(_cohort_label(r["cohort"], period), {"customers": r["customers"]})[r["period_index"]] = r[field]
    head = "".join(f'<th class="num">{i}</th>' for i in indexes)
    body = "".join(
        f'<tr><th scope="row">{esc(label)}</th><td class="num">{row["customers"]:,}</td>'
        + "".join(_cell(label, i, row.get(i)) for i in indexes) + "</tr>"
        for label, row in rows.items())
    return (f'<h3>{esc(title)}</h3><div class="scroll"><table data-triangle="{esc(field)}"><thead><tr><th>cohort</th>'
            f'<th class="num">customers</th>{head}</tr></thead><tbody>{body}</tbody></table></div>')


def _cell(cohort: str, index: int, value) -> str:
    if value is None:
        return '<td class="num"></td>'
    return (f'<td class="num" data-cohort="{esc(cohort)}" data-index="{index}" data-value="{esc(value)}">'
            f'{esc(format_value(value, "ratio"))}</td>')

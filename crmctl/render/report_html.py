"""The report as one HTML page (tiles, a chart per metric, the tables, the meta) or as one chart.

Numbers come straight from the report's rows: every table cell carries the row's raw value in
data-value, so the page can be checked against the JSON output cell by cell.
"""

from __future__ import annotations

from crmctl.errors import UsageError, did_you_mean
from crmctl.render.base import Format, format_value, header, period_label
from crmctl.render.charts import line_spec, to_file_svg, to_png, to_svg
from crmctl.render.html_page import esc, figure, meta_list, page, section
from crmctl.render.marks import LOW_N, footnotes, low_n, value_cell
from crmctl.render.sparkline import last_change, sparkline
from crmctl.config.targets import segment_key


def segment_of(row: dict, by) -> str:
    return segment_key(row, by) if by else ""  # the key targets use: "EMEA / Enterprise"


def metric_rows(result, name: str) -> list[dict]:
    return [r for r in result.rows.to_dicts() if r["metric"] == name]


def segments(result) -> list[str]:
    return list(dict.fromkeys(segment_of(r, result.by) for r in result.rows.to_dicts()))


def chart_points(result, metric) -> list[dict]:
    """{period, segment, value, small} for every dated row with a value: what the chart draws; small:
    a sampled value from fewer than min_n observations."""
    return [{"period": r["period_start"].isoformat(), "segment": segment_of(r, result.by), "value": r["value"],
             "small": low_n(r, metric, result.min_n)}
            for r in metric_rows(result, metric.name) if r["period_start"] is not None and r["value"] is not None]


def target_rules(result, name: str) -> list[dict]:
    """One rule per bound; per segment only when segments have targets of their own."""
    target = result.targets.get(name)
    if target is None:
        return []
    per_segment = {s: target.for_segment(s) for s in segments(result)} if result.by else {}
    if not any(t is not target for t in per_segment.values()):
        per_segment = {None: target}
    return [{"segment": segment, "bound": bound, "kind": kind} for segment, t in per_segment.items()
            for kind, bound in (("min", t.min), ("max", t.max)) if bound is not None]


def chart_spec(result, metric, currency: str | None, inline: bool = True) -> dict | None:
    points = chart_points(result, metric)
    if not points:
        return None
    return line_spec(points, title=header(metric, currency) + assumed(result, metric), unit=metric.unit,
                     period=result.period, rules=target_rules(result, metric.name), segmented=bool(result.by),
                     inline=inline)


def assumed(result, metric) -> str:
    """" · assumed margin 60%" after the title of a number that rests on it (report/assumptions.py)."""
    margin = result.meta.get("assumed_margin")
    return f" · {margin['note']}" if margin and metric.name in margin["metrics"] else ""


def render_chart(result, metric: str | None, fmt: Format, currency: str | None = None) -> str | bytes:
    """One chart for slides: svg (text) or png (bytes). metric None: the report's first metric."""
    by_name = {m.name: m for m in result.metrics}
    if not by_name:
        raise UsageError("no metric to chart: choose one with --metrics")
    if metric is not None and metric not in by_name:
        raise UsageError(f"metric {metric!r} is not in this report{did_you_mean(metric, by_name)}")
    chosen = by_name[metric] if metric else result.metrics[0]
    spec = chart_spec(result, chosen, currency, inline=False)
    if spec is None:
        raise UsageError(f"{chosen.name} has no values in the window to chart: widen it with --from/--to or --last")
    if fmt == Format.png:
        return to_png(spec)
    if fmt == Format.svg:
        return to_file_svg(spec)
    raise UsageError(f"render_chart draws svg or png, not {fmt.value}")


def render_report_html(result, currency: str | None = None) -> str:
    metrics = result.metrics
    charts = []
    for metric in metrics:
        spec = chart_spec(result, metric, currency)
        if spec is not None:
            small = any(p["small"] for p in spec["data"]["values"])
            caption = (f"hollow: n < {result.min_n}, too few observations to rely on; left out of the scale "
                       "(drawn at its edge when beyond it)") if small else ""
            charts.append(figure(to_svg(spec), caption, metric=metric.name))
    sections = [section("Headlines", '<div class="tiles">' + "".join(_tile(result, m, currency) for m in metrics)
                        + "</div>")]
    if charts:
        sections.append(section("Trends", '<div class="charts">' + "\n".join(charts) + "</div>"))
    sections.append(section("Tables", "\n".join(_tables(result, currency)), "tables"))
    sections.append(section("About this report", _about(result)))
    return page("crmctl report", _subtitle(result), sections)


def _subtitle(result) -> str:
    window = result.meta.get("window")
    parts = [f"{window['from']} to {window['to']}" if window else "no dated rows", f"by {result.period}"]
    if result.by:
        parts.append("split by " + ", ".join(result.by))
    return " · ".join(parts)


def _tile(result, metric, currency) -> str:
    rows = [r for r in metric_rows(result, metric.name) if r["period_start"] is not None] or \
        metric_rows(result, metric.name)
    lines = []
    for segment in dict.fromkeys(segment_of(r, result.by) for r in rows):
        mine = sorted((r for r in rows if segment_of(r, result.by) == segment),
                      key=lambda r: (r["period_start"] is None, r["period_start"]))
        values = [r["value"] for r in mine]
        latest = mine[-1] if mine else {}
        change = last_change(values, metric.unit, metric.higher_is_better)
        lines.append((segment, latest, change, sparkline(values[-12:])))  # a tile is narrow: the last year
    body = "".join(_tile_line(metric, *line, big=not result.by) for line in lines)
    when = period_label(lines[0][1].get("period_start"), lines[0][1].get("period_end"), result.period) if lines else ""
    when += assumed(result, metric)
    title = f'<h3>{esc(header(metric, currency))} <span class="neutral">· {esc(when)}</span></h3>'
    inner = f"<table>{body}</table>" if result.by else body
    return f'<div class="tile" data-metric="{esc(metric.name)}">{title}{inner}</div>'


def _tile_line(metric, segment, latest, change, spark, big: bool) -> str:
    value = format_value(latest.get("value"), metric.unit)
    delta = f'<span class="{change.verdict}">{esc(change.text)}</span>' if change else ""
    status = latest.get("target")
    badge = (f'<span class="badge {"good" if status == "met" else "bad"}" title="target {status}">'
             f'{status}</span>' if status else "")
    raw = esc(latest.get("value")) if latest.get("value") is not None else ""
    if big:
        return (f'<div class="value num" data-value="{raw}">{esc(value)}</div>'
                f'<div>{delta} {badge}</div><div class="spark">{esc(spark)}</div>')
    return (f'<tr><td>{esc(segment)}</td><td class="num" data-value="{raw}">{esc(value)}</td>'
            f'<td class="num">{delta}</td><td class="spark">{esc(spark)}</td><td>{badge}</td></tr>')


# The page is 1,184 px wide inside its padding; a character of a 14 px table cell is about 8 px.
_PAGE_PX, _CHAR_PX, _CELL_PAD_PX = 1184, 8, 20


def _tables(result, currency) -> list[str]:
    rows = result.rows.to_dicts()
    periods = sorted({(r["period_start"], r["period_end"]) for r in rows}, key=lambda p: (p[0] is None, p[0]))
    labels = [period_label(start, end, result.period) for start, end in periods]
    cells = {(segment_of(r, result.by), r["metric"], r["period_start"]): r for r in rows}
    # A cell reads as the text table's does: † (and dimmed) for a small sample, ±margin with --ci.
    min_n = result.min_n
    texts = {key: _cell(row, next(m for m in result.metrics if m.name == key[1]), min_n) for key, row in cells.items()}
    out = []
    for segment in segments(result):
        heading = f"<h3>{esc(', '.join(result.by))}: {esc(segment)}</h3>" if result.by else ""
        parts = []
        for chunk in period_chunks(result, labels, currency):
            head = "".join(f'<th class="num">{esc(labels[i])}</th>' for i in chunk)
            body = "".join(f'<tr><th scope="row">{esc(header(metric, currency))}</th>'
                           + "".join(texts.get((segment, metric.name, periods[i][0]), '<td class="num">—</td>')
                                     for i in chunk) + "</tr>" for metric in result.metrics)
            parts.append(f'<div class="scroll"><table data-segment="{esc(segment)}"><thead><tr><th>metric</th>'
                         f'{head}</tr></thead><tbody>{body}</tbody></table></div>')
        out.append(heading + "".join(parts))
    if out and min_n is not None:
        notes = [n for n in footnotes(result) if n.startswith(("±", LOW_N, "—")) or "assumed margin" in n]
        out.append('<p class="neutral">' + "<br>".join(esc(n) for n in notes) + "</p>")
    return out or ["<p>No rows: the data has no dates in the window.</p>"]


def period_chunks(result, labels: list[str], currency) -> list[list[int]]:
    """The periods in tables that fit the page across, the latest first (each oldest to newest): a table
    scrolled sideways hid either the current periods or, opened at its end, the digits under its
    sticky metric column."""
    longest = max([len(label) for label in labels] +
                  [len(value_cell(r, m, result.min_n)) for m in result.metrics for r in metric_rows(result, m.name)],
                  default=1)
    metric_px = max(len(header(m, currency)) for m in result.metrics) * _CHAR_PX + _CELL_PAD_PX
    per_table = max(1, (_PAGE_PX - metric_px) // (longest * _CHAR_PX + _CELL_PAD_PX))
    indexes = list(range(len(labels)))
    return [indexes[max(0, end - per_table):end] for end in range(len(indexes), 0, -per_table)]


def _cell(row, metric, min_n: int | None = None) -> str:
    """One value with † for a small sample (n < min_n); with --ci also ±margin and data-ci-low/high."""
    if row is None:
        return '<td class="num">—</td>'
    value = row["value"]
    missed = " missed" if row.get("target") == "missed" else ""
    missed += " small" if min_n is not None and low_n(row, metric, min_n) else ""
    note = row.get("note") or (f"n < {min_n}" if min_n is not None and low_n(row, metric, min_n) else None)
    title = f' title="{esc(note)}"' if note else ""
    start = row["period_start"].isoformat() if row["period_start"] else ""
    text, bounds = format_value(value, metric.unit), ""
    if min_n is not None:
        text = str(value_cell(row, metric, min_n))
        bounds = "".join(f' data-{k.replace("_", "-")}="{esc(row[k])}"' for k in ("ci_low", "ci_high")
                         if row.get(k) is not None)
    return (f'<td class="num{missed}" data-metric="{esc(metric.name)}" data-period="{start}"'
            f' data-value="{esc(value) if value is not None else ""}"{bounds}{title}>{esc(text)}</td>')


def _about(result) -> str:
    meta = result.meta
    window = meta.get("window")
    items = [("window", f"{window['from']} to {window['to']}" if window else "none (no dated rows)"),
             ("period", result.period), ("split by", ", ".join(result.by) or "—"),
             ("rows read", f"{meta.get('rows_read', 0):,}"), ("rows skipped", f"{meta.get('rows_skipped', 0):,}"),
             ("generated", f"{meta.get('generated_at', '')} by crmctl {meta.get('crmctl_version', '')}"),
             ("config", meta.get("config", ""))]
    items += [(f"not computed: {name}", reason) for name, reason in result.unavailable.items()]
    notes: dict[tuple[str, str], int] = {}
    for r in result.rows.to_dicts():
        if r["value"] is None and r["note"]:
            notes[(r["metric"], r["note"])] = notes.get((r["metric"], r["note"]), 0) + 1
    items += [(f"empty cells: {metric}", f"{note} ({count} cell{'s' if count != 1 else ''})")
              for (metric, note), count in notes.items()]
    return meta_list(items)

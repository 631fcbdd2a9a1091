"""Per-row results (customers, the at-risk list, compare) as one self-contained HTML page: a title, the
notes a reader must see first (warnings), the table, and what it was computed from. No charts, so no
extra is needed: it is a list to mail or put on a file share."""

from __future__ import annotations

from crmctl.render.html_page import esc, meta_list, page, section

_NUM = ' class="num"'


def rows_page(title: str, subtitle: str, columns: list[str], rows: list[dict], numeric: set[str],
              about: list[tuple[str, str]], notes: list[str] = (), total: int | None = None,
              charts: list[str] = ()) -> str:
    """total: the rows there are when `rows` is the first part of them; charts: figures above the table."""
    head = "".join(f"<th{_NUM if c in numeric else ''}>{esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(c, row[c], c in numeric) for c in columns) + "</tr>" for row in rows)
    table = (f'<div style="overflow-x: auto"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
             if rows else "<p>No rows.</p>")
    sections = []
    if notes:
        sections.append(section("Notes", "".join(f'<p class="neutral">{esc(n)}</p>' for n in notes)))
    if charts:
        sections.append(section("Chart", '<div class="charts">' + "\n".join(charts) + "</div>"))
    heading = f"{len(rows):,} rows" if total in (None, len(rows)) else f"{len(rows):,} of {total:,} rows"
    sections += [section(heading, table, "tables"), section("About this list", meta_list(about))]
    return page(title, subtitle, sections)


def _cell(column: str, text, numeric: bool) -> str:
    """A cell's text; a list (an at-risk customer's reasons) one item a line."""
    shown = "<br>".join(esc(item) for item in text) if isinstance(text, list) else esc(text)
    return f'<td{_NUM if numeric else ""} data-column="{esc(column)}">{shown}</td>'


def about_text(value) -> str:
    """A meta value for people: lists as "a, b", dicts as "k v, …", floats to 4 digits; None as "—"."""
    if value is None:
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{k} {about_text(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:.4g}"
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)

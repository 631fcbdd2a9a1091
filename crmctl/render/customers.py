"""The per-customer table and its holdout check: `{meta, rows}` JSON, CSV, Markdown, and a table
that keeps the most telling columns when the terminal is too narrow for all of them."""

from __future__ import annotations


from crmctl.render.text import literal
from crmctl.render.base import Format, csv_rows, format_value, json_rows, markdown_table, to_text
from crmctl.render.text_table import wrapped
from crmctl.render.view import Options, View

# How each column reads in a table; anything else (ids, dimensions) is shown as text.
_STYLE = {
    "first_order_at": "date", "last_order_at": "date", "orders": "count", "frequency": "count",
    "customers": "count", "revenue": "money", "mean_repeat_value": "money", "expected_order_value": "money",
    "predicted_clv": "money", "recency_weeks": "weeks", "age_weeks": "weeks", "p_alive": "ratio",
    "expected_orders": "decimal", "actual_mean": "decimal", "predicted_mean": "decimal",
    "actual_total": "decimal", "predicted_total": "decimal",
    "created_at": "date", "churned_at": "date", "next_renewal_at": "date", "nps_at": "date", "csat_at": "date",
    "ces_at": "date", "last_ticket_at": "date", "last_activity_at": "date", "last_contact_at": "date",
    "last_lead_at": "date", "mrr": "money", "won_amount": "money", "engagement_change": "ratio",
    "nps": "score", "csat": "score", "ces": "score", "subscription_status": "text", "nps_category": "text",
    **dict.fromkeys(("active_subscriptions", "tickets", "open_tickets", "tickets_90d", "reopened_tickets",
                     "sla_breaches", "engagement_90d", "engagement_prev_90d", "leads", "open_leads", "won_deals",
                     "days_since_response"), "count"),
    # --at-risk, --backtest, --fit-weights
    "score": "decimal", "value_at_risk": "money", "flagged": "count", "churned": "count",
    "flagged_churned": "count", "precision": "ratio", "recall": "ratio", "base_rate": "ratio", "lift": "decimal",
    "p_churn": "ratio",
}
# Which columns stay when the terminal is narrow, first kept first.
_PRIORITY = ("customer_id", "rule", "score", "value_at_risk", "p_churn", "precision", "recall", "lift",
             "repeat_purchases", "predicted_clv", "p_alive", "expected_orders", "revenue", "orders", "last_order_at",
             "expected_order_value", "frequency", "customers", "actual_mean", "predicted_mean", "nps", "nps_at",
             "open_tickets", "days_since_response", "mrr", "subscription_status", "last_activity_at",
             "engagement_change")


def _table(result, options: Options) -> str:
    """The columns that fit the terminal, most telling first; a pipe gets plain aligned text."""
    frame, width = result.rows, options.width
    texts = [{c: cell(c, r[c]) for c in frame.columns} for r in frame.to_dicts()]
    columns, left_out = fitting(frame.columns, texts, width, result.meta.get("by") or ())
    note = f"(left out for width: {', '.join(left_out)}; use -f csv or a wider terminal)" if left_out else ""
    note = f"\n{wrapped(note, width)}\n" if note else ""
    note += wrapped(_clv_note(result), width)
    right = [_STYLE.get(c) not in (None, "date", "text") for c in columns]
    if width is None:
        from crmctl.render.text_table import plain_lines

        return "\n".join(plain_lines(columns, [[t[c] for c in columns] for t in texts], right)) + "\n" + note
    from rich.table import Table

    table = Table(header_style="bold")
    for column, is_number in zip(columns, right):
        table.add_column(column, justify="right" if is_number else "left", no_wrap=True)
    for t in texts:
        table.add_row(*(t[c] for c in columns))
    return to_text([table], color=options.color, width=width) + note


def _markdown(result, options: Options) -> str:
    frame = result.rows
    table = markdown_table(frame.columns, [{c: cell(c, r[c]) for c in frame.columns} for r in frame.to_dicts()])
    return table + _clv_note(result)


def _clv_note(result) -> str:
    """What predicted_clv assumes (the margin), under any table that shows it."""
    note = result.meta.get("clv_margin")
    return f"\n{note}\n" if note and "predicted_clv" in result.rows.columns else ""


def rows_view(what: str, **formats) -> View:
    """The view of a per-customer result: JSON {meta, rows}, CSV, Markdown, the fitting table and a page;
    `formats` replaces any of them (by format name)."""
    views = {Format.table: _table, Format.csv: csv_rows, Format.json: json_rows, Format.markdown: _markdown,
             Format.html: lambda result, options: _html(result.rows, result.meta, what)}
    return View(what, {**views, **{Format(name): function for name, function in formats.items()}})


# The customers page leads with the predictions (44 columns put them off-screen), then every other
# column in the table's order; the at-risk list already leads with its score and value at risk.
_HTML_LEAD = ("customer_id", "p_alive", "expected_orders", "predicted_clv")
HTML_ROWS = 1_000  # a page to open and mail: 23,570 customers made 16 MB; CSV and JSON keep every row


def _html(frame, meta: dict, title: str) -> str:
    from crmctl.render.rows_html import about_text, rows_page

    lead = [c for c in _HTML_LEAD if c in frame.columns]
    columns = lead + [c for c in frame.columns if c not in lead]
    shown = frame.head(HTML_ROWS)
    texts = [{c: r[c] if isinstance(r[c], list) else cell(c, r[c]) for c in columns} for r in shown.to_dicts()]
    numeric = {c for c in columns if _STYLE.get(c) not in (None, "date", "text")}
    about = [(k.replace("_", " "), about_text(v)) for k, v in meta.items() if k not in ("warnings", "models")]
    about += [(f"model {name}", about_text(fit)) for name, fit in (meta.get("models") or {}).items()]
    subtitle = f"as of {meta.get('as_of') or 'the snapshot'}"
    notes = list(meta.get("warnings") or [])
    if frame.height > HTML_ROWS:
        notes.insert(0, f"The first {HTML_ROWS:,} of {frame.height:,} rows, in the list's order: every row with "
                        "-f csv or -f json, fewer with --top or --where.")
    return rows_page(title, subtitle, columns, texts, numeric, about, notes, total=frame.height)


def cell(column: str, value) -> str:
    if value is None:
        return "—"
    style = _STYLE.get(column) or ("decimal" if column.startswith("contribution_") else None)
    if style == "date":
        return value.strftime("%Y-%m-%d")
    if style in ("count", "money", "ratio", "weeks"):  # as the report shows these units (weeks: one decimal)
        return format_value(value, style)
    if style == "score":
        return f"{value:g}"
    if style == "decimal":
        return f"{value:,.3f}"
    return literal(value)


def fitting(columns: list[str], texts: list[dict], width: int | None, by=()) -> tuple[list[str], list[str]]:
    """The columns that fit in `width` (all when None), in their own order, and the rest. Kept first:
    customer_id and the --by dimensions, then _PRIORITY's order; other dimensions only if room is left."""
    if width is None:
        return list(columns), []
    size = {c: max([len(c), *(len(t[c]) for t in texts)]) + 3 for c in columns}  # Rich's borders and padding
    ranked = sorted(columns, key=lambda c: 0.5 if c in by else _PRIORITY.index(c) if c in _PRIORITY else
                    len(_PRIORITY))
    kept, used = set(), 1
    for column in ranked:
        if used + size[column] <= width or not kept:
            kept.add(column)
            used += size[column]
    return [c for c in columns if c in kept], [c for c in columns if c not in kept]


CUSTOMERS = rows_view("crmctl customers")
HOLDOUT = rows_view("crmctl customers --validate")

"""The at-risk list, its backtest and its fitted weights. Reasons are a list in JSON and one string
joined by "; " elsewhere; the table shows what a reader acts on (who, score, money, why), one reason per
line, and leaves the per-signal columns to CSV and JSON."""

from __future__ import annotations

from crmctl.render.base import Format
from crmctl.render.customers import cell, render_customers

_LEAD = ("customer_id", "score", "value_at_risk", "reasons")


def render_at_risk(frame, meta: dict, fmt: Format, *, color: bool, width: int | None, raw: bool = False,
                   dims: tuple[str, ...] = ()) -> str:
    import polars as pl

    if fmt == Format.json:
        return render_customers(frame, meta, fmt, color=color, width=width, raw=raw)
    if fmt == Format.html:  # what a reader acts on, as the table shows; per-signal columns: CSV and JSON
        lead = ["customer_id", *dims, "score", "value_at_risk", "reasons"]
        return render_customers(frame.select(lead), meta, fmt, color=color, width=width,
                                title="crmctl customers --at-risk")
    if fmt != Format.table:
        joined = frame.with_columns(pl.col("reasons").list.join("; "))
        return render_customers(joined, meta, fmt, color=color, width=width, raw=raw, title="crmctl customers --at-risk")
    from rich.table import Table

    from crmctl.render.base import to_text

    columns = ["customer_id", *dims, "score", "value_at_risk", "reasons"]
    table = Table(header_style="bold", show_lines=True)
    for column in columns:
        table.add_column(column, justify="right" if column in ("score", "value_at_risk") else "left",
                         no_wrap=column != "reasons", overflow="fold")
    for record in frame.select(columns).to_dicts():
        table.add_row(*(("\n".join(record[c]) or "—") if c == "reasons" else cell(c, record[c]) for c in columns))
    shown = "" if meta["shown"] == meta["at_risk"] else f"{meta['shown']} shown; "
    note = (f"{shown}{meta['at_risk']} of {meta['active_customers']} active customers at risk on {meta['as_of']} "
            f"(signals: {', '.join(meta['signals'])}; per-signal columns: -f csv or -f json)\n")
    return to_text([table], color=color, width=width) + note


def render_fit(frame, meta: dict, fmt: Format, *, color: bool, width: int | None, raw: bool = False) -> str:
    """The table and Markdown views start with the `risk:` block to paste; CSV and JSON stay data."""
    text = render_customers(frame, meta, fmt, color=color, width=width, raw=raw, title="crmctl customers --fit-weights")
    if fmt in (Format.table, Format.markdown):
        fence = "```yaml\n" if fmt == Format.markdown else ""
        return f"{fence}{meta['risk_block']}{'```' if fence else ''}\n" + text
    return text

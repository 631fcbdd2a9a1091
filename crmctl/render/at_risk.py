"""The at-risk list, its backtest and its fitted weights. Reasons are a list in JSON and one string
joined by "; " elsewhere; the table shows what a reader acts on (who, score, money, why), one reason per
line, and leaves the per-signal columns to CSV and JSON."""

from __future__ import annotations

from crmctl.render.base import Format
from crmctl.render.customers import cell, rows_view
from crmctl.render.text import literal
from crmctl.render.view import Options

_WHAT = "crmctl customers --at-risk"


def _lead(result) -> list[str]:
    return ["customer_id", *result.dims, "score", "value_at_risk", "reasons"]


def _joined(result):
    """The reasons as one text cell, for CSV and Markdown."""
    import polars as pl

    return type(result)(result.rows.with_columns(pl.col("reasons").list.join("; ")), result.meta, result.dims)


def _table(result, options: Options) -> str:
    from crmctl.render.text_table import Column, TextTable, table_text

    meta, columns = result.meta, _lead(result)
    records = result.rows.select(columns).to_dicts()
    # One reason a line, a rule between customers; a pipe gets them joined by "; " on one line. Narrow,
    # the reasons wrap at words and the dimensions go first.
    table = TextTable([Column(c, numeric=c in ("score", "value_at_risk"), wrap=c == "reasons") for c in columns],
                      [[("\n".join(map(literal, r[c])) or "—") if c == "reasons" else cell(c, r[c]) for c in columns]
                       for r in records], sections=set(range(len(records))), drop_first=tuple(reversed(result.dims)))
    shown = "" if meta["shown"] == meta["at_risk"] else f"{meta['shown']} shown; "
    note = (f"{shown}{meta['at_risk']} of {meta['active_customers']} active customers at risk on {meta['as_of']} "
            f"(signals: {', '.join(meta['signals'])}; per-signal columns: -f csv or -f json)")
    return table_text([table], color=options.color, width=options.width, notes=[note])


def _page(result, options: Options) -> str:
    """What a reader acts on, as the table shows; the per-signal columns are CSV's and JSON's."""
    lead = type(result)(result.rows.select(_lead(result)), result.meta, result.dims)
    return _LIST_ROWS.formats[Format.html](lead, options)


def _with_risk_block(format_: Format):
    """The table and Markdown views start with the `risk:` block to paste; CSV and JSON stay data."""
    def show(result, options: Options) -> str:
        text = _FITTED_ROWS.formats[format_](result, options)
        fence = "```yaml\n" if format_ == Format.markdown else ""
        return f"{fence}{result.risk_block}{'```' if fence else ''}\n" + text

    return show


_LIST_ROWS = rows_view(_WHAT)
_FITTED_ROWS = rows_view("crmctl customers --fit-weights")
AT_RISK = rows_view(_WHAT, table=_table, html=_page,
                    csv=lambda result, options: _LIST_ROWS.formats[Format.csv](_joined(result), options),
                    markdown=lambda result, options: _LIST_ROWS.formats[Format.markdown](_joined(result), options))
BACKTEST = rows_view("crmctl customers --backtest")
FIT_WEIGHTS = rows_view("crmctl customers --fit-weights", table=_with_risk_block(Format.table),
                        markdown=_with_risk_block(Format.markdown))

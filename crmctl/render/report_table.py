"""The report as a text table that fits: wide (a column per metric) or turned (a row per metric).

On a terminal (a width is known) tables are drawn with Rich boxes and `auto` turns the table when the
metrics do not fit as columns. In a pipe or a file (no width) the table is plain aligned text, as
kubectl and gh print it: no box drawing, every value whole, and `auto` picks the narrower shape.
"""

from __future__ import annotations

from rich.cells import cell_len

from crmctl.render.base import Layout, styled, to_text
from crmctl.render.text_table import plain_lines
from crmctl.render.statement import CORNER, TREND, Statement, fit, omitted_note, statements, table_width

EMPTY = "No rows: the data has no dates in the window.\n"
_VERDICT_STYLE = {"good": "green", "bad": "red", "neutral": "dim"}


def report_table(result, layout: Layout, groups: dict, *, color: bool, width: int | None,
                 currency: str | None) -> str:
    """`groups` is the wide view ({segment: (columns, rows)}), already formatted for people."""
    if not groups:
        return EMPTY
    if layout == Layout.auto:
        layout = _choose(result, groups, width, currency)
    if layout == Layout.wide:
        parts = [(_title(result, segment), columns, rows) for segment, (columns, rows) in groups.items()]
        return _plain_wide(result, parts) if width is None else _boxed_wide(result, parts, color, width)
    turned = statements(result, currency)
    if width is not None:
        turned = [fit(s, width) for s in turned]
        return _boxed_statements(turned, color, width)
    return "\n".join(_plain_statement(s) for s in turned)


def _title(result, segment) -> str:
    return ", ".join(f"{b}: {v}" for b, v in zip(result.by, segment))


def _choose(result, groups, width, currency) -> Layout:
    boxed = width is not None
    wide = max(table_width(_wide_widths(columns, rows), boxed) for columns, rows in groups.values())
    if width is not None:
        return Layout.wide if wide <= width else Layout.long
    turned = max(table_width(s.widths(), boxed=False) for s in statements(result, currency))
    return Layout.wide if wide <= turned else Layout.long


def _wide_widths(columns, rows) -> list[int]:
    return [max([cell_len(c), *(cell_len(str(r.get(c, ""))) for r in rows)]) for c in columns]


def _right(result, index: int, column: str) -> bool:
    return not (index == 0 or column in result.by)


def _boxed_wide(result, parts, color, width) -> str:
    """A table a segment, fitted to the terminal: the last metrics are left out (and named) rather than
    any value cut; --layout long turns them into rows instead."""
    from crmctl.render.text_table import Column, TextTable, table_text

    tables = [TextTable([Column(c, numeric=_right(result, i, c)) for i, c in enumerate(columns)],
                        [[styled(row.get(c, ""), color) for c in columns] for row in rows], title=title,
                        say_left_out=_metrics_left_out) for title, columns, rows in parts]
    return table_text(tables, color=color, width=width)


def _metrics_left_out(names: list[str]) -> str:
    return f"(left out for width: {', '.join(names)}; --layout long turns metrics into rows, or widen the terminal)"


def _plain_wide(result, parts) -> str:
    blocks = []
    for title, columns, rows in parts:
        right = [_right(result, i, c) for i, c in enumerate(columns)]
        body = plain_lines(columns, [[str(r.get(c, "")) for c in columns] for r in rows], right)
        blocks.append("\n".join(([title, ""] if title else []) + body))
    return "\n\n".join(blocks) + "\n"


def _statement_columns(statement: Statement) -> tuple[list[str], list[bool]]:
    columns = [CORNER, *statement.labels] + ([TREND] if statement.has_trend else [])
    return columns, [False, *(True for _ in statement.labels)] + ([False] if statement.has_trend else [])


def _plain_statement(statement: Statement) -> str:
    columns, right = _statement_columns(statement)
    rows = [[x.header, *x.cells] + ([x.trend] if statement.has_trend else []) for x in statement.lines]
    lines = ([statement.title, ""] if statement.title else []) + plain_lines(columns, rows, right)
    note = omitted_note(statement)
    return "\n".join(lines + ([note] if note else [])) + "\n"


def _boxed_statements(turned: list[Statement], color: bool, width: int) -> str:
    from rich.table import Table
    from rich.text import Text

    out = []
    for statement in turned:
        if out:  # a blank line between segments, as between wide tables (text_table)
            out.append(Text(""))
        if statement.title:
            out.append(Text(statement.title, style="bold"))
        columns, right = _statement_columns(statement)
        table = Table(header_style="bold")
        for column, align in zip(columns, right):
            table.add_column(column, justify="right" if align else "left", overflow="fold")
        for line in statement.lines:
            cells = [line.header, *(styled(c, color) for c in line.cells)]
            if statement.has_trend:
                cells.append(_trend_cell(line, color))
            table.add_row(*cells)
        out.append(table)
        note = omitted_note(statement)
        if note:
            out.append(Text(note, style="dim"))
    return to_text(out, color=color, width=width)


def _trend_cell(line, color: bool):
    from rich.text import Text

    text = Text(line.spark)
    if line.change:
        text.append(" ")
        text.append(line.change.text, style=_VERDICT_STYLE[line.change.verdict] if color else "")
    return text

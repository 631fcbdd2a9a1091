"""Tables for people, the one way every command prints them: boxed on a terminal, fitted to its width
without ever cutting a number; plain aligned text in a pipe or a file (no width known), as kubectl and
gh print there.

Fitting drops whole columns (the caller says which go first) rather than letting Rich shorten cells
to "…": a number with its last digits missing reads as a different number.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from crmctl.render.text import literal, literal_lines


@dataclass(frozen=True)
class Column:
    name: str
    numeric: bool = False  # right-aligned so that digits line up; never wrapped or cut
    wrap: bool = False  # long text (a description, reasons) that may fold onto more lines


@dataclass
class TextTable:
    columns: list[Column]
    rows: list[list]  # cells: str, or rich Text for colour; "\n" in a cell: lines of one cell
    title: str = ""
    drop_first: tuple[str, ...] = ()  # columns to leave out first when the terminal is too narrow
    compact: bool = False  # a light box: more columns fit (heat-coloured cells need no grid)
    row_styles: list[str] | None = None
    sections: set[int] = field(default_factory=set)  # rows that end a group: a rule under them
    say_left_out: Callable[[list[str]], str] | None = None  # the note naming the columns left out

    def note(self, left_out: list[str]) -> str:
        if not left_out:
            return ""
        if self.say_left_out:
            return self.say_left_out(left_out)
        return f"(left out for width: {', '.join(left_out)}; widen the terminal or use -f csv)"


def cell_len(text: str) -> int:
    """Terminal columns `text` takes (wide characters count 2). Rich is imported here, not at the top:
    render.base imports this module, and `crmctl --help` must not load Rich."""
    from rich.cells import cell_len as columns

    return columns(text)


def plain_lines(columns: list[str], rows: list[list[str]], right: list[bool]) -> list[str]:
    """Aligned columns two spaces apart; numbers right-aligned so that digits line up."""
    widths = [max([cell_len(c), *(cell_len(r[i]) for r in rows)]) for i, c in enumerate(columns)]

    def line(cells) -> str:
        padded = [(" " * (w - cell_len(c)) + c) if r else c + " " * (w - cell_len(c))
                  for c, w, r in zip(cells, widths, right)]
        return "  ".join(padded).rstrip()

    return [line(columns), *(line(r) for r in rows)]


def plain_text(table: TextTable) -> str:
    """A pipe or a file: every column, every value whole; a multi-line cell joined with "; "."""
    rows = [[_plain(cell) for cell in row] for row in table.rows]
    body = plain_lines([literal(c.name) for c in table.columns], rows, [c.numeric for c in table.columns])
    return "\n".join(([literal(table.title), ""] if table.title else []) + body) + "\n"


def _plain(cell) -> str:
    """A cell for a pipe: its lines joined, each literal (a control character in the data shows as an
    escape, as the terminal's console draws it)."""
    return "; ".join(literal(line) for line in _lines(cell))


def _lines(cell) -> list[str]:
    return str(getattr(cell, "plain", cell)).split("\n")


def fitted(table: TextTable, width: int):
    """(the Rich table, the names of the columns left out) for a terminal `width` columns wide."""
    kept = list(table.columns)
    order = [c for name in table.drop_first for c in kept if c.name == name]
    order += [c for c in reversed(kept[1:]) if c not in order]
    widths = _plan(table, kept, width)
    for column in order:
        if widths is not None:
            break
        kept.remove(column)
        widths = _plan(table, kept, width)
    return _rich(table, kept, widths or {}), [c.name for c in table.columns if c not in kept]


def _plan(table: TextTable, kept: list[Column], width: int) -> dict[str, int] | None:
    """Widths for the wrapped columns that make the table fit, {} when it fits as it is, None when it
    cannot fit: a wrapped column keeps its longest word whole, other columns keep every cell whole."""
    index = {c.name: i for i, c in enumerate(table.columns)}
    lines = {c.name: [c.name, *(line for row in table.rows for line in _lines(row[index[c.name]]))] for c in kept}
    natural = {name: max(cell_len(line) for line in cells) for name, cells in lines.items()}
    overhead = _natural_width(_rich(table, kept, {})) - sum(natural.values())
    excess = sum(natural.values()) + overhead - width
    if excess <= 0:
        return {}
    floor = {c.name: max(cell_len(word) for line in lines[c.name] for word in line.split() or [""])
             for c in kept if c.wrap}
    if sum(natural[c] - floor[c] for c in floor) < excess:
        return None
    planned = {name: natural[name] for name in floor}
    for _ in range(excess):  # narrow the widest wrapped column by one, again and again
        name = max((n for n in planned if planned[n] > floor[n]), key=lambda n: planned[n])
        planned[name] -= 1
    return planned


def _natural_width(rich_table) -> int:
    from rich.console import Console
    from rich.measure import Measurement

    console = Console(width=10_000)
    return Measurement.get(console, console.options, rich_table).maximum


def _rich(table: TextTable, kept: list[Column], widths: dict[str, int]):
    from rich import box
    from rich.table import Table

    options = dict(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True) if table.compact else {}
    rich_table = Table(header_style="bold", **options)
    for column in kept:
        rich_table.add_column(column.name, justify="right" if column.numeric else "left", no_wrap=not column.wrap,
                              overflow="fold" if column.wrap else "ellipsis", width=widths.get(column.name))
    index = {c.name: i for i, c in enumerate(table.columns)}
    for number, row in enumerate(table.rows):
        style = table.row_styles[number] if table.row_styles else None
        rich_table.add_row(*(row[index[c.name]] for c in kept), style=style, end_section=number in table.sections)
    return rich_table


def to_text(renderables, *, color: bool, width: int | None) -> str:
    buffer = io.StringIO()
    console = _literal_console()(file=buffer, force_terminal=color, no_color=not color, width=width or 10_000,
                                 color_system="auto" if color else None, highlight=False, markup=False, emoji=False)
    for item in renderables:
        console.print(item)
    text = buffer.getvalue()
    # Off a terminal the console is unbounded; trailing padding only bloats files and cron mail.
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n" if not width else text


def _literal_console():
    from rich.console import Console

    class LiteralConsole(Console):
        """Draws every string as the literal text it is: never Rich markup (`[link=…]`) or emoji codes
        (`:warning:`), and with control characters shown as escapes, whoever built the string."""

        def render_str(self, text, **options):
            options.update(markup=False, emoji=False)
            return super().render_str(literal_lines(text), **options)

    return LiteralConsole


def table_text(tables: list[TextTable], *, color: bool, width: int | None, notes: list[str] = ()) -> str:
    """Every table (and the notes under them) as text: plain when width is None, else boxed and fitted."""
    if width is None:
        return "\n".join(plain_text(t) for t in tables) + "".join(f"\n{n}\n" if i == 0 else f"{n}\n"
                                                                 for i, n in enumerate(notes))
    from rich.text import Text

    out = []
    for table in tables:
        if out:
            out.append(Text(""))
        if table.title:  # a heading line, not a table title: those wrap to the table's width
            out.append(Text(table.title, style="bold"))
        rich_table, left_out = fitted(table, width)
        out.append(rich_table)
        if left_out:
            out.append(Text(table.note(left_out), style="dim"))
    out += [Text(n) for n in notes]
    return to_text(out, color=color, width=width)


def wrapped(text: str, width: int | None) -> str:
    """Each line of `text` wrapped at spaces to `width`, continued two spaces in; words (paths, URLs) whole.
    None: as it is (a pipe)."""
    import textwrap

    if not width:
        return text
    lines = []
    for line in text.split("\n"):
        indent = line[:len(line) - len(line.lstrip())]
        lines += textwrap.wrap(line, width, subsequent_indent=indent + "  ", break_long_words=False,
                               break_on_hyphens=False) or [line]
    return "\n".join(lines)

"""A row with more fields than the header: find the one text field an unquoted delimiter split.

"1042,Acme, Inc.,Berlin" under "id,company,city": joining fields 2–3 gives a row whose every other
cell looks like the cells of its column in the well-formed rows; joining 1–2 or 3–4 does not. When
exactly one join fits that well the row is repaired; otherwise it is left out and reported, because a
guess between two text columns would put a value under the wrong name without anyone noticing.
"""

from __future__ import annotations

import re


def shape(cell: str) -> str:
    """"SO-020240" → "A-9", "2024-01-31" → "9-9-9", "Acme" → "A": character classes, runs collapsed."""
    return re.sub(r"(.)\1+", r"\1", re.sub(r"[^\W\d_]", "A", re.sub(r"\d", "9", cell.strip())))


def column_shapes(rows: list[list[str]], width: int) -> list[set[str]]:
    """The shapes each column's cells take in the rows that have the table's width."""
    shapes: list[set[str]] = [set() for _ in range(width)]
    for row in rows:
        if len(row) == width:
            for index, cell in enumerate(row):
                shapes[index].add(shape(cell))
    return shapes


def join_split_field(cells: list[str], shapes: list[set[str]], delimiter: str) -> tuple[list[str], int] | None:
    """(the repaired row, the joined column) when exactly one join makes every other cell fit its column."""
    width = len(shapes)
    extra = len(cells) - width
    if extra < 1:
        return None
    fitting = []
    for column in range(width):
        joined = cells[:column] + [delimiter.join(cells[column:column + extra + 1])] + cells[column + extra + 1:]
        others_fit = all(shape(cell) in shapes[index] for index, cell in enumerate(joined) if index != column)
        if others_fit and (shape(joined[column]) in shapes[column] or _free_text(shapes[column])):
            fitting.append((joined, column))
    if len(fitting) > 1:  # "Acme, Inc.": prose puts a space after its comma, the exporter's delimiters do not
        spaced = [(joined, column) for joined, column in fitting
                  if all(cell[:1].isspace() for cell in cells[column + 1:column + extra + 1])]
        fitting = spaced
    return fitting[0] if len(fitting) == 1 else None


def _free_text(shapes: set[str]) -> bool:
    """Names, companies, notes: words with spaces, or many shapes; not ids, codes, e-mails, numbers or dates."""
    return any(" " in s and "A" in s for s in shapes) or len(shapes) >= 4

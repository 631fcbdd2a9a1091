"""Parsed records → one rectangular table: header found, notes, blanks, repeats and ragged rows handled.

Every line that does not become a data row is accounted for by its line number and the reason, so the
caller can tell the user exactly what was dropped or repaired.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from crmctl.read.repair import column_shapes, join_split_field, shape

# A totals line: its first cell says so and every other filled cell is a number ("Total,,,1234.50").
_TOTAL = re.compile(r"^(grand\s+|sub-?)?totals?\b|^(sum|count|average|avg)\b", re.IGNORECASE)
_NUMBER = re.compile(r"^[-+(]?[$€£¥]?\s*[\d.,'\s]+%?\)?$")
_NOTE_WORDS = re.compile(r"generated|exported|copyright|confidential|\bpage\b|report|\brows\b|records|©", re.IGNORECASE)


_SHAPE_SAMPLE = 5000  # full rows whose cell shapes say what each column looks like
_DATED_NOTE = re.compile(r"\b(exported|generated|printed|downloaded|created|run)\s+(on|by|at)\b.*\d", re.IGNORECASE)


def is_dated_note(line: str) -> bool:
    """"Exported on 2024-05-02, 14:03": a title line, even when its comma splits it like a header."""
    return bool(_DATED_NOTE.search(line))


@dataclass
class Record:
    line: int  # the file line where the record starts, 1-based, as a text editor numbers it
    cells: list[str]

    @property
    def filled(self) -> list[str]:
        return [c for c in self.cells if c.strip()]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    dropped: dict[str, list[int]] = field(default_factory=dict)  # reason -> line numbers
    repaired: dict[str, list[int]] = field(default_factory=dict)  # repair -> line numbers
    trailing_delimiter: bool = False

    def drop(self, reason: str, record: Record) -> None:
        self.dropped.setdefault(reason, []).append(record.line)

    def repair(self, kind: str, record: Record) -> None:
        self.repaired.setdefault(kind, []).append(record.line)


def build_table(records: list[Record], delimiter: str = ",") -> Table:
    table = Table([], [])
    body = []
    for record in records:
        (body.append(record) if record.filled else table.drop("blank", record))
    if not body:
        return table
    width, table.trailing_delimiter = _table_width(body)
    if table.trailing_delimiter:
        for record in body:
            if len(record.cells) == width + 1 and not record.cells[-1].strip():
                record.cells.pop()
    start = _header_index(body, width)
    for record in body[:start]:
        table.drop("preamble", record)
    header = body[start]
    if len(header.cells) > width and header.cells[-1].strip():  # the header names one more column than rows fill
        width = len(header.cells)
    table.header = list(header.cells[:width])
    rest = _drop_repeated_headers(body[start + 1:], table)
    rest = _drop_footer(rest, width, table)
    rest = _merge_broken_lines(rest, width, table)
    # Shapes cost a few regexes per cell: only when some row has too many fields, from a sample of full rows.
    too_wide = any(len(r.cells) > width and any(c.strip() for c in r.cells[width:]) for r in rest)
    shapes = column_shapes([r.cells for r in rest if len(r.cells) == width][:_SHAPE_SAMPLE], width) if too_wide else []
    for record in rest:
        if _is_total(record):
            table.drop("total", record)
        elif (joined := _rejoin(record, shapes, delimiter, table)) is not None:
            table.rows.append(joined)
        elif (row := _fit(record, width, table)) is not None:
            table.rows.append(row)
    return table


def _rejoin(record: Record, shapes: list[set[str]], delimiter: str, table: Table) -> list[str] | None:
    if not shapes or len(record.cells) <= len(shapes) or not any(c.strip() for c in record.cells[len(shapes):]):
        return None
    repaired = join_split_field(record.cells, shapes, delimiter)
    if repaired is None:
        return None
    table.repair(f"unquoted {delimiter!r} inside column {table.header[repaired[1]]!r} joined", record)
    return repaired[0]


def _table_width(body: list[Record]) -> tuple[int, bool]:
    """The most common width (the wider on a tie), less one when most rows end in an empty trailing field."""
    counts = Counter(len(r.cells) for r in body)
    width = max(counts, key=lambda w: (counts[w], w))
    modal = [r for r in body if len(r.cells) == width]
    trailing = width > 1 and sum(not r.cells[-1].strip() for r in modal) >= 0.8 * len(modal)
    return (width - 1, True) if trailing and _header_narrower(body, width) else (width, False)


def _header_narrower(body: list[Record], width: int) -> bool:
    """An empty last field in every row is a trailing delimiter, unless the header names that column."""
    header = body[_header_index(body, width)]
    return not header.cells[-1].strip() or len(header.cells) < width


def _header_index(body: list[Record], width: int) -> int:
    """The first record as wide as the table with at least two filled cells (one for a 1-column table),
    passing over an "Exported on 2024-05-02, 14:03" line that happens to split into as many fields."""
    needed = min(2, width)
    candidates = [index for index, record in enumerate(body[:50])
                  if len(record.cells) in (width, width + 1) and len(record.filled) >= needed]
    if len(candidates) > 1 and is_dated_note(",".join(body[candidates[0]].cells)):
        return candidates[1]
    return candidates[0] if candidates else 0


def _drop_repeated_headers(records: list[Record], table: Table) -> list[Record]:
    """Concatenated exports repeat the header, often with their title lines before it."""
    key = [c.strip().casefold() for c in table.header]
    kept: list[Record] = []
    for record in records:
        if [c.strip().casefold() for c in record.cells[:len(key)]] == key and not any(
                c.strip() for c in record.cells[len(key):]):
            table.drop("repeated header", record)
            while kept and _is_note(kept[-1], len(key)):  # the next part's own title lines
                table.drop("preamble", kept.pop())
        else:
            kept.append(record)
    return kept


def _drop_footer(records: list[Record], width: int, table: Table) -> list[Record]:
    end = len(records)
    while end and (_is_note(records[end - 1], width) or _is_total(records[end - 1])):
        end -= 1
    for record in records[end:]:
        table.drop("footer", record)
    return records[:end]


def _is_note(record: Record, width: int) -> bool:
    """A line of prose in a table: one filled cell, in the first column, with words in it
    ("Generated by Salesforce", "Total rows: 42"), in a table of two or more columns."""
    filled = record.filled
    if width < 2 or len(filled) != 1 or not record.cells[0].strip():
        return False
    if width == 2 and len(record.cells) == 2:  # a two-column row with its second cell empty is data
        return False
    text = filled[0].strip()
    return bool(_NOTE_WORDS.search(text) or re.search(r"[^\W\d_]{2,}.*\s|:", text))


def _is_total(record: Record) -> bool:
    if not record.cells or not _TOTAL.match(record.cells[0].strip()):  # the cheap test first: it runs on every row
        return False
    filled = [c.strip() for c in record.filled]
    return len(filled) >= 2 and all(_NUMBER.match(c) for c in filled[1:])


def _merge_broken_lines(records: list[Record], width: int, table: Table) -> list[Record]:
    """Two short records that together make one row: an unquoted line break inside a text field.

    Only for rare short records whose second part does not start like a new row (its first cell is
    shaped like no first cell of a full row): many short rows are an exporter omitting empty fields.
    """
    short = sum(len(r.cells) < width for r in records)
    if not short or short > max(2, 0.2 * len(records)):
        return records
    starts = {shape(r.cells[0]) for r in records if len(r.cells) == width}
    merged: list[Record] = []
    index = 0
    while index < len(records):
        record = records[index]
        following = records[index + 1] if index + 1 < len(records) else None
        if (following and len(record.cells) < width and len(following.cells) < width
                and len(record.cells) + len(following.cells) - 1 == width and shape(following.cells[0]) not in starts):
            cells = record.cells[:-1] + [record.cells[-1] + "\n" + following.cells[0]] + following.cells[1:]
            merged.append(Record(record.line, cells))
            table.repair("line break joined", record)
            index += 2
        else:
            merged.append(record)
            index += 1
    return merged


def _fit(record: Record, width: int, table: Table) -> list[str] | None:
    """The record at the table's width: short rows padded, empty extra fields cut; None when it cannot fit."""
    cells = record.cells
    if len(cells) < width:
        table.repair("padded", record)
        return cells + [""] * (width - len(cells))
    if len(cells) > width:
        if any(c.strip() for c in cells[width:]):
            table.drop("too many fields", record)
            return None
        table.repair("empty extra fields cut", record)
        return cells[:width]
    return list(cells)

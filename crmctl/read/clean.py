"""`convert` without a config: a messy export in, a clean RFC 4180 CSV out, and an account of the changes.

The clean file is UTF-8 without BOM, comma-delimited, `"`-quoted where needed, CRLF line ends, header
first. Cells keep their text (decimal commas and dates are not reinterpreted); only surrounding
whitespace is trimmed. Whatever is dropped or repaired is listed with its line numbers in the summary.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path

from crmctl.errors import CrmctlError, DataError, ExitCode, OutputError
from crmctl.files.atomic import replacing
from crmctl.files.spreadsheet import neutralised
from crmctl.read.decode import decode, read_bytes
from crmctl.read.dialect import Dialect, detect_dialect
from crmctl.read.table import Record, Table, build_table

_FIRST_LINES = 10  # line numbers listed per kind in the summary; the count is always complete
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass
class Lines:
    """How many lines of one kind, and the first few of their line numbers."""

    count: int = 0
    first: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, numbers: list[int]) -> Lines:
        return cls(len(numbers), numbers[:_FIRST_LINES])


@dataclass
class CleanSummary:
    file: str
    output: str
    encoding: str
    delimiter: str
    quote_char: str
    rows_written: int
    columns: list[str]
    preamble_lines: Lines = field(default_factory=Lines)
    footer_lines: Lines = field(default_factory=Lines)
    blank_lines: Lines = field(default_factory=Lines)
    repeated_headers: Lines = field(default_factory=Lines)
    total_lines: Lines = field(default_factory=Lines)  # "Subtotal,,,120.00" lines inside the table
    ragged_repaired: Lines = field(default_factory=Lines)
    ragged_dropped: Lines = field(default_factory=Lines)
    cells_trimmed: int = 0
    formulas_unwrapped: int = 0  # ="00042" cells, Excel's way to keep leading zeros, written as 00042
    nul_bytes_removed: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"status": "ok", **asdict(self)}


@dataclass
class FailedFile:
    file: str
    error: str
    exit_code: int = ExitCode.DATA  # OUTPUT when the clean file could not be written

    def to_dict(self) -> dict:
        return {"status": "failed", "file": self.file, "error": self.error}


def clean_exports(paths: list[Path], output_dir: Path, raw: bool = False) -> list[CleanSummary | FailedFile]:
    """Each file cleaned into `output_dir` under its own name; a file that fails is reported, the rest go on.
    Cells a spreadsheet would run as formulas are neutralised (files/spreadsheet.py) unless `raw`."""
    # Failures are values, not exceptions, so one bad export in a folder of fifty still yields forty-nine files.
    results: list[CleanSummary | FailedFile] = []
    seen: dict[str, Path] = {}
    for path in map(Path, paths):
        earlier = seen.setdefault(_output_name(path), path)
        if earlier != path:
            results.append(FailedFile(str(path), f"{path}: same output name as {earlier}; not written over it",
                                      ExitCode.OUTPUT))
            continue
        try:
            results.append(clean_export(path, output_dir, raw))
        except CrmctlError as exc:
            results.append(FailedFile(str(path), str(exc), int(exc.exit_code)))
    return results


def clean_export(path: Path, output_dir: Path, raw: bool = False) -> CleanSummary:
    path, output_dir = Path(path), Path(output_dir)
    target = output_dir / _output_name(path)
    if target.exists() and target.resolve() == path.resolve():
        raise OutputError(f"{path}: the output would overwrite the input; choose another --output-dir")
    header, rows, summary = read_clean(path)
    summary.output = str(target)
    if not raw:
        header, rows = [neutralised(c) for c in header], [[neutralised(c) for c in row] for row in rows]
    _write_atomically(target, header, rows)
    return summary


def read_clean(path: Path) -> tuple[list[str], list[list[str]], CleanSummary]:
    """The export's table (header, rows) as clean text cells, and what was done to get it."""
    path = Path(path)
    decoded = decode(read_bytes(path), str(path))
    if not decoded.text.strip():
        raise DataError(f"{path}: the file is empty (not even a header row)")
    dialect = detect_dialect(decoded.text)
    table = build_table(_records(decoded.text, dialect), dialect.delimiter)
    if dialect.sep_line:
        table.dropped.setdefault("preamble", []).insert(0, 1)
    if not table.header:
        raise DataError(f"{path}: no table found: every line is blank")
    trimmed, unwrapped = _trim(table)
    summary = CleanSummary(
        file=str(path), output="", encoding=decoded.encoding, delimiter=dialect.delimiter, quote_char=dialect.quotechar,
        rows_written=len(table.rows), columns=table.header,
        preamble_lines=Lines.of(table.dropped.get("preamble", [])), footer_lines=Lines.of(table.dropped.get("footer", [])),
        blank_lines=Lines.of(table.dropped.get("blank", [])),
        repeated_headers=Lines.of(table.dropped.get("repeated header", [])),
        total_lines=Lines.of(table.dropped.get("total", [])),
        ragged_repaired=Lines.of(sorted(n for lines in table.repaired.values() for n in lines)),
        ragged_dropped=Lines.of(table.dropped.get("too many fields", [])),
        cells_trimmed=trimmed, formulas_unwrapped=unwrapped, nul_bytes_removed=decoded.nul_bytes_removed,
        warnings=decoded.warnings + _warnings(table, dialect),
    )
    return table.header, table.rows, summary


def _output_name(path: Path) -> str:
    """The input's name, with .csv for a .tsv/.txt/.gz export since the output is always a plain CSV."""
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.csv" if dot and suffix.lower() in ("tsv", "txt", "tab", "psv", "dat") else name


def _records(text: str, dialect: Dialect) -> list[Record]:
    first_line = 1
    if dialect.sep_line:  # Excel's "sep=;" hint is not part of the table
        text = text.split("\n", 1)[1] if "\n" in text else ""
        first_line = 2
    reader = dialect.reader(text)
    records, line = [], first_line
    for cells in reader:
        records.append(Record(line, [c.replace("\r\n", "\n").replace("\r", "\n") for c in cells]))
        line = reader.line_num + first_line
    return records


def _trim(table: Table) -> tuple[int, int]:
    """Surrounding whitespace cut and Excel text formulas unwrapped, in place: (cells trimmed, unwrapped)."""
    trimmed = unwrapped = 0
    for row in [table.header, *table.rows]:
        for index, cell in enumerate(row):
            value = cell.strip()
            trimmed += value != cell
            if value.startswith('="') and value.endswith('"') and len(value) >= 3:
                value = value[2:-1].replace('""', '"')
                unwrapped += 1
            row[index] = value
    return trimmed, unwrapped


def _warnings(table: Table, dialect: Dialect) -> list[str]:
    notes = []
    for kind, lines in table.repaired.items():
        notes.append(f"{_rows(len(lines))} repaired ({kind}): lines {_shown(lines)}")
    if dropped := table.dropped.get("too many fields"):
        notes.append(f"{_rows(len(dropped))} with more fields than the header left out (lines {_shown(dropped)}): "
                     "a delimiter inside an unquoted field? Quote that field in the export")
    if dropped := table.dropped.get("total"):
        notes.append(f"{len(dropped)} total/subtotal line{'s' * (len(dropped) > 1)} left out (lines {_shown(dropped)})")
    names = [n for n in table.header]
    if any(not n for n in names):
        notes.append(f"{sum(not n for n in names)} columns have no name in the header")
    duplicates = sorted({n for n in names if n and names.count(n) > 1})
    if duplicates:
        notes.append(f"duplicate column names: {', '.join(duplicates)}")
    if _looks_like_data(names):
        notes.append(f"the first row looks like data, not a header ({', '.join(names[:3])} …): is the header missing?")
    return notes


def _looks_like_data(names: list[str]) -> bool:
    """A header of numbers and dates is a data row: the export came without a header."""
    import re

    data_like = [n for n in names if re.fullmatch(r"[-+]?[\d.,/:\s-]+", n) and any(ch.isdigit() for ch in n)]
    return len(names) >= 2 and len(data_like) * 2 >= len(names)


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _shown(lines: list[int]) -> str:
    return ", ".join(map(str, lines[:_FIRST_LINES])) + (" …" if len(lines) > _FIRST_LINES else "")


def _write_atomically(target: Path, header: list[str], rows: list[list[str]]) -> None:
    """A temporary file renamed over the target: a reader never sees half a file, a crash leaves none."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with replacing(target) as temporary, open(temporary, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows(rows)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write the clean file: {exc}") from None

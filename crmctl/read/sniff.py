"""Cheap byte-level checks of an export before Polars reads it.

Polars' own errors on a wrong delimiter or a UTF-16 file name no line and no fix; reading the first
few kilobytes ourselves lets the message say what is wrong and what to set.
"""

from __future__ import annotations

import codecs
import gzip
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crmctl.domain.datasets import WHITESPACE
from crmctl.errors import DataError
from crmctl.read.decode import utf16_without_bom
from crmctl.read.table import is_dated_note

DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileShape:
    path: Path
    format: str  # csv | parquet
    delimiter: str = ","
    header: tuple[str, ...] = ()
    compressed: bool = False
    encoding: str = "utf-8"
    cr_only: bool = False  # old Mac Excel line ends: read through a transcoded copy
    preamble: int = 0  # report title lines before the header (Salesforce "formatted" exports)
    footer: int = 0  # trailing non-blank lines with fewer fields than the header ("Copyright …")
    headerless: bool = False  # `header: false`: the header holds the names column_1, column_2 …

    @property
    def needs_transcoding(self) -> bool:
        return self.cr_only or codecs.lookup(self.encoding).name != "utf-8" or self.delimiter == WHITESPACE

    @property
    def source_delimiter(self) -> str:
        """The delimiter of the bytes Polars reads: a whitespace-separated file is read through a CSV copy."""
        return "," if self.delimiter == WHITESPACE else self.delimiter


def file_format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] == [".parquet"]:
        return "parquet"
    if suffixes and suffixes[-1] in (".xlsx", ".xls", ".xlsm"):
        raise DataError(f"{path}: spreadsheet files are not read directly; save the sheet as CSV (UTF-8) and map that")
    return "csv"


def file_head(path: Path) -> tuple[bytes, bool]:
    with open(path, "rb") as raw:
        magic = raw.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as handle:
            return handle.read(_SAMPLE_BYTES), opener is gzip.open
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read the file: {exc}") from None


def detect_encoding(head: bytes) -> str:
    """utf-16 by its byte-order mark, utf-8 when it decodes, else cp1252 (Excel's Windows default)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        return "utf-8" if exc.start > len(head) - 4 else "cp1252"


def sniff(path: Path, delimiter: str | None, encoding: str | None = None, has_header: bool = True) -> FileShape:
    """Reads the header of a CSV/TSV (optionally gzip'd) or a Parquet schema; without `has_header`, the
    first line's fields are named column_1, column_2 … (Polars' names for a file without a header)."""
    if file_format(path) == "parquet":
        import polars as pl

        try:
            names = tuple(pl.scan_parquet(path).collect_schema().names())
        except Exception as exc:  # Polars raises several types for a damaged file
            raise DataError(f"{path}: not a readable Parquet file: {exc}") from None
        return FileShape(path, "parquet", header=names)
    head, compressed = file_head(path)
    if encoding and codecs.lookup(encoding).name != "utf-8":
        text = head.decode(encoding, errors="replace")
    else:
        text = _decode(path, head)
    if not text.strip():
        raise DataError(f"{path}: the file is empty (not even a header row)")
    cr_only = "\r" in text and "\n" not in text
    lines = text.lstrip("\ufeff").splitlines()
    preamble = _preamble(lines, delimiter)
    header_line = lines[preamble] if lines else ""
    if delimiter is None:
        delimiter = max(DELIMITERS, key=lambda d: _split(header_line, d).__len__())
    header = tuple(_split(header_line, delimiter))
    if not has_header:
        header = tuple(f"column_{number}" for number in range(1, len(header) + 1))
    footer = 0 if compressed else _footer(path, encoding or "utf-8", delimiter, len(header))
    return FileShape(path, "csv", delimiter, header, compressed, encoding or "utf-8", cr_only, preamble, footer,
                     headerless=not has_header)


def _width(line: str, delimiter: str | None) -> int:
    """Fields of a line; 1 for a line with one filled cell, such as a title Excel padded with delimiters."""
    return max(_filled_width(line, d) for d in DELIMITERS) if delimiter is None else _filled_width(line, delimiter)


def _filled_width(line: str, delimiter: str) -> int:
    if is_dated_note(line):
        return 1
    cells = _split(line, delimiter)
    return len(cells) if sum(bool(c.strip()) for c in cells) > 1 else 1


def _preamble(lines: list[str], delimiter: str | None) -> int:
    """Lines before the header: a title and blank lines narrower than the table that follows them."""
    widths = [_width(line, delimiter) if line.strip() else 0 for line in lines[:30]]
    for index, width in enumerate(widths[:-1]):
        following = [w for w in widths[index + 1:index + 4] if w]
        if width >= 2 and following and all(w == width for w in following):
            return index if all(w < width for w in widths[:index]) else 0
    return 0


def _footer(path: Path, encoding: str, delimiter: str, fields: int) -> int:
    """Trailing note lines, read from the end of the file: one cell ("Confidential Information"), or two
    when an unquoted comma splits the note and the table is wide. A short data row has more."""
    if fields < 2:
        return 0
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 8192))
        tail = handle.read().decode(encoding, errors="replace")
    lines = tail.replace("\r\n", "\n").replace("\r", "\n").split("\n")[1:]  # the first may be cut
    count = 0
    for line in reversed(lines):
        if not line.strip():
            continue
        # A line with an odd number of quotes is a piece of a record with an embedded newline, not a footer.
        if line.count('"') % 2 or len(_split(line, delimiter)) > (2 if fields >= 4 else 1):
            break
        count += 1
    return count


def sample_text(path: Path, encoding: str) -> str:
    """The first ~64 KB as text with newline line ends, cut after the last complete line."""
    text = file_head(path)[0].decode(encoding, errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    return text.lstrip("\ufeff")[: text.rfind("\n") + 1] or text


def transcoded(shape: FileShape, folder: str) -> Path:
    """A UTF-8, newline-ended copy of the file in `folder` (Polars reads only UTF-8); the input is untouched.
    A whitespace-separated file becomes comma-separated, line for line, so line numbers stay the file's."""
    opener = gzip.open if shape.compressed else open
    target = Path(tempfile.mkstemp(suffix=".csv", dir=folder)[1])
    if shape.delimiter == WHITESPACE:
        return _whitespace_to_csv(shape, opener, target)
    with opener(shape.path, "rb") as raw, open(target, "w", encoding="utf-8", newline="") as out:
        reader = codecs.getreader(shape.encoding)(raw, errors="replace")
        pending_cr = False
        while chunk := reader.read(1 << 20):
            if pending_cr and chunk.startswith("\n"):
                chunk = chunk[1:]
            pending_cr = chunk.endswith("\r")
            out.write(chunk.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"))
    return target


def _whitespace_to_csv(shape: FileShape, opener, target: Path) -> Path:
    import csv

    with opener(shape.path, "rt", encoding=shape.encoding, errors="replace", newline=None) as lines, \
            open(target, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        for number, line in enumerate(lines):
            writer.writerow((line.lstrip("\ufeff") if number == 0 else line).split())
    return target


def _decode(path: Path, head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(f"{path}: the file is UTF-16 (Excel 'Unicode text'); set encoding: utf-16 for this dataset "
                        "or save it as 'CSV UTF-8'")
    if utf16 := utf16_without_bom(head):
        raise DataError(f"{path}: the file is {utf16} without a byte-order mark (SQL Server bcp -w writes it); set "
                        f"encoding: {utf16} for this dataset or save it as 'CSV UTF-8'")
    if b"\x00" in head:
        raise DataError(f"{path}: the file contains NUL bytes: it is binary, not CSV text")
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:  # the sample cut a multi-byte character in half
            return head[: exc.start].decode("utf-8-sig")
        raise DataError(
            f"{path}: byte {exc.start} is not UTF-8 (the file is probably cp1252/latin-1); set encoding: cp1252 "
            "for this dataset or save it as 'CSV UTF-8'"
        ) from None


def _split(line: str, delimiter: str) -> list[str]:
    import csv

    if delimiter == WHITESPACE:
        return line.split()
    return next(csv.reader([line], delimiter=delimiter), [])


def normalise_name(name: str) -> str:
    """Header drift: case, surrounding and non-breaking spaces, a stray BOM."""
    return " ".join(name.replace("\ufeff", "").replace("\u00a0", " ").split()).casefold()


def first_ragged_row(path: Path, delimiter: str) -> tuple[int, int, int] | None:
    """(row, fields, expected) of the first row whose field count differs from the header's.

    Only called after Polars has refused a file: it names no line, so we look for it ourselves.
    """
    return next(ragged_rows(path, delimiter), None)


def ragged_rows(path: Path, delimiter: str, preamble: int = 0) -> Iterator[tuple[int, int, int]]:
    """(row, fields, expected) of every non-blank row whose field count differs from the header's.

    Rows are numbered as in a spreadsheet (the first line of the file is row 1, as crmctl's `_row` is);
    quoted newlines stay in their row. Read in Python: only for files already known to hold a problem.
    """
    import csv

    opener = gzip.open if file_head(path)[1] else open
    with opener(path, "rt", encoding="utf-8-sig", errors="replace", newline="") as handle:
        for _ in range(preamble):
            handle.readline()
        rows = csv.reader(handle, delimiter=delimiter)
        expected = len(next(rows, []))
        for number, row in enumerate(rows, start=2 + preamble):
            if row and len(row) != expected:
                yield number, len(row), expected

"""Cheap byte-level checks of an export before Polars reads it.

Polars' own errors on a wrong delimiter or a UTF-16 file name no line and no fix; reading the first
few kilobytes ourselves lets the message say what is wrong and what to set.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

from crmctl.errors import DataError

DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileShape:
    path: Path
    format: str  # csv | parquet
    delimiter: str = ","
    header: tuple[str, ...] = ()
    compressed: bool = False


def file_format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] == [".parquet"]:
        return "parquet"
    if suffixes and suffixes[-1] in (".xlsx", ".xls", ".xlsm"):
        raise DataError(f"{path}: spreadsheet files are not read directly; save the sheet as CSV (UTF-8) and map that")
    return "csv"


def _head(path: Path) -> tuple[bytes, bool]:
    with open(path, "rb") as raw:
        magic = raw.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as handle:
            return handle.read(_SAMPLE_BYTES), opener is gzip.open
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read the file: {exc}") from None


def sniff(path: Path, delimiter: str | None) -> FileShape:
    """Reads the header of a CSV/TSV (optionally gzip'd) or a Parquet schema."""
    if file_format(path) == "parquet":
        import polars as pl

        try:
            names = tuple(pl.scan_parquet(path).collect_schema().names())
        except Exception as exc:  # Polars raises several types for a damaged file
            raise DataError(f"{path}: not a readable Parquet file: {exc}") from None
        return FileShape(path, "parquet", header=names)
    head, compressed = _head(path)
    text = _decode(path, head)
    if not text.strip():
        raise DataError(f"{path}: the file is empty (not even a header row)")
    header_line = text.splitlines()[0] if text.splitlines() else ""
    if delimiter is None:
        delimiter = max(DELIMITERS, key=lambda d: _split(header_line, d).__len__())
    header = tuple(_split(header_line, delimiter))
    return FileShape(path, "csv", delimiter, header, compressed)


def _decode(path: Path, head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(f"{path}: the file is UTF-16 (Excel 'Unicode text'); save it as 'CSV UTF-8' and map that")
    if b"\x00" in head:
        raise DataError(f"{path}: the file contains NUL bytes: it is binary, not CSV text")
    if b"\r" in head and b"\n" not in head:
        raise DataError(f"{path}: lines end with CR only (old Mac Excel); save it again as 'CSV UTF-8'")
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:  # the sample cut a multi-byte character in half
            return head[: exc.start].decode("utf-8-sig")
        raise DataError(
            f"{path}: byte {exc.start} is not UTF-8 (the file is probably cp1252/latin-1); save it as 'CSV UTF-8'"
        ) from None


def _split(line: str, delimiter: str) -> list[str]:
    import csv

    return next(csv.reader([line], delimiter=delimiter), [])


def normalise_name(name: str) -> str:
    """Header drift: case, surrounding and non-breaking spaces, a stray BOM."""
    return " ".join(name.replace("\ufeff", "").replace("\u00a0", " ").split()).casefold()


def first_ragged_row(path: Path, delimiter: str) -> tuple[int, int, int] | None:
    """(row, fields, expected) of the first row whose field count differs from the header's.

    Only called after Polars has refused a file: it names no line, so we look for it ourselves.
    Rows are numbered as in a spreadsheet (the header is row 1); quoted newlines stay in their row.
    """
    import csv

    opener = gzip.open if _head(path)[1] else open
    with opener(path, "rt", encoding="utf-8-sig", errors="replace", newline="") as handle:
        rows = csv.reader(handle, delimiter=delimiter)
        expected = len(next(rows, []))
        for number, row in enumerate(rows, start=2):
            if row and len(row) != expected:
                return number, len(row), expected
    return None

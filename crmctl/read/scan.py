"""One export file → a lazy frame of its mapped fields: matched by name, trimmed, converted, flagged.

Every expression here must be one the streaming engine runs in chunks (not `replace`).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from crmctl.config import Column, DatasetSpec
from crmctl.domain.datasets import ROW_ID
from crmctl.errors import DataError, closest
from crmctl.read.cells import CURRENCY_SYMBOLS, blank_to_null, convert, convert_typed, detect_date_format
from crmctl.read.remote import parquet_scan
from crmctl.read.sniff import FileShape, normalise_name

_SAMPLE_ROWS = 1000
_CHUNK_SIZE = "POLARS_CSV_CHUNK_SIZE"  # read by Polars' CSV reader each time a scan starts


@contextmanager
def in_small_chunks():
    """Scans started inside read CSV in 4 MB chunks (unless the user set POLARS_CSV_CHUNK_SIZE). Polars' own
    read-ahead keeps ~300 MB of a 500 MB export in flight: more than a streamed report holds in all, so with
    4 MB chunks a report of streamed metrics runs in a third of its input's size (docs/scale.md). Only for
    streamed reads: held reads keep Polars' default, which at one thread was 10 % less CPU for a plain scan."""
    if _CHUNK_SIZE in os.environ:
        yield
        return
    os.environ[_CHUNK_SIZE] = "4000000"
    try:
        yield
    finally:
        del os.environ[_CHUNK_SIZE]


@dataclass(frozen=True)
class FileScan:
    """One file of a dataset to read: the dataset's spec, the mapped columns wanted, the file as sniffed, and
    where its bytes are (`source`: the file, or its UTF-8 copy when it needed transcoding)."""

    spec: DatasetSpec
    columns: tuple[Column, ...]
    shape: FileShape
    source: Path
    index: int = 0  # the file's place in the dataset (`_file`)


def file_scans(spec: DatasetSpec, columns: list[Column], shapes: list[FileShape], sources: list[Path]) -> list[FileScan]:
    return [FileScan(spec, tuple(columns), shape, source, index)
            for index, (shape, source) in enumerate(zip(shapes, sources))]


# The first field past the header's last. Polars reads only the columns a plan uses and ignores the rest of
# a line, so a row with one field too many ("1,146.54" unquoted in an amount) would silently shift every
# later column of that row: the scan declares one column more, which is empty except on such rows.
RAGGED = "_crmctl_extra_field"


def raw_scan(shape: FileShape, source: Path, spec: DatasetSpec) -> pl.LazyFrame:
    """A file's cells as they are, with `_row`, the line number a spreadsheet shows, and RAGGED."""
    if shape.format == "parquet":
        return _with_row_id(parquet_scan(source).with_row_index("_row", offset=1).with_columns(
            pl.lit(None, pl.String).alias(RAGGED)), shape, spec)
    options = dict(source=source, separator=shape.source_delimiter, null_values=list(spec.null_values),
                   raise_if_empty=False, truncate_ragged_lines=False, skip_lines=shape.preamble, glob=False,
                   has_header=not shape.headerless)
    # A file without a header (`header: false`) has its columns named by sniff: column_1, column_2 …
    names = list(shape.header) if shape.headerless else \
        pl.scan_csv(**options, infer_schema=False).collect_schema().names()
    return _with_row_id(pl.scan_csv(
        **options, schema={**dict.fromkeys(names, pl.String), RAGGED: pl.String}, missing_columns="insert",
        row_index_name="_row", row_index_offset=(1 if shape.headerless else 2) + shape.preamble), shape, spec)


def ragged() -> pl.Expr:
    """Whether a row has a filled field past the header's last (an empty one, a trailing delimiter, is none)."""
    extra = pl.col(RAGGED)
    return extra.is_not_null() & (extra.str.strip_chars() != "")


def _with_row_id(lf: pl.LazyFrame, shape: FileShape, spec: DatasetSpec) -> pl.LazyFrame:
    """A field the export lacks an id for (orders in a transaction log) reads `file:line`, unique in the dataset."""
    if not any(c.column == ROW_ID for c in spec.columns.values()):
        return lf
    return lf.with_columns(pl.format("{}:{}", pl.lit(shape.path.name), pl.col("_row")).alias(ROW_ID))


def trimmed(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.String).str.strip_chars()


def scan_file(scan: FileScan, rows: pl.Series | None = None) -> pl.LazyFrame:
    """The validating read of one file; of only its `rows` (line numbers) when given."""
    shape, source, index, spec, columns = scan.shape, scan.source, scan.index, scan.spec, scan.columns
    names = match_columns(shape, spec, columns)
    lf = raw_scan(shape, source, spec)
    schema = lf.collect_schema()
    # Stages, so each expression runs once per chunk: trimmed text, then typed values, then flags.
    # Every expression here must be one the streaming engine runs in chunks (not `replace`).
    typed = {c.field for c in columns if shape.format == "parquet" and schema[names[c.field]] != pl.String}
    sampled = sampled_formats(lf, names, [c for c in columns if c.field not in typed], shape)
    if rows is not None:
        lf = lf.filter(pl.col("_row").is_in(rows.implode()))
    texts = lf.select(
        "_row", pl.lit(index, pl.Int32).alias("_file"),
        *(pl.col(names[c.field]).alias(f"_raw_{c.field}") for c in columns if c.field in typed),
        *(trimmed(names[c.field]).alias(f"_text_{c.field}") for c in columns), ragged().alias("_ragged"),
    ).with_columns(blank_to_null(pl.col(f"_text_{c.field}")) for c in columns)
    values = []
    for column in columns:
        if column.field in typed:
            raw = pl.col(f"_raw_{column.field}")
            values.append(convert_typed(raw, schema[names[column.field]], column, spec.timezone).alias(column.field))
        else:
            fmt = column.format or sampled.get(column.field)
            values.append(convert(pl.col(f"_text_{column.field}"), column, spec.timezone, fmt).alias(column.field))
        if column.kind == "number":  # the few cells with a currency symbol, for _currency_bits
            text = pl.col(f"_text_{column.field}")
            values.append(pl.when(text.str.contains_any(CURRENCY_SYMBOLS)).then(text).alias(f"_sym_{column.field}"))
    read = [c for c in columns if c.column != ROW_ID]  # a generated id is never blank: it says nothing of the line
    flags = [pl.all_horizontal([pl.col(f"_text_{c.field}").is_null() for c in read] or [pl.lit(False)])
             .alias("_blank")]
    for column in columns:
        text = pl.col(f"_text_{column.field}")
        # Booleans, not the offending text: a text column per field would cost 16 bytes a row.
        flags.append((text.is_not_null() & pl.col(column.field).is_null()).alias(f"_bad_{column.field}"))
        if column.kind == "number":
            flags.append(_currency_bits(pl.col(f"_sym_{column.field}")).alias(f"_cur_{column.field}"))
    keep = ["_row", "_file", "_blank", "_ragged", *(c.field for c in columns), *(f"_bad_{c.field}" for c in columns),
            *(f"_cur_{c.field}" for c in columns if c.kind == "number")]
    return texts.with_columns(values).with_columns(flags).select(keep)


def _currency_bits(text: pl.Expr) -> pl.Expr:
    """The currency symbols a cell shows, one bit each: literal searches cost far less than a regex, and
    `text` is null except in cells with a symbol, which one multi-pattern search found first."""
    bits = [text.str.contains(symbol, literal=True).fill_null(False).cast(pl.UInt8) * (1 << i)
            for i, symbol in enumerate(CURRENCY_SYMBOLS)]
    return pl.sum_horizontal(bits).cast(pl.UInt8)


def sampled_formats(lf: pl.LazyFrame, names: dict[str, str], columns, shape: FileShape) -> dict:
    """The date format of each datetime column without `format:`, from one sample of the file's first rows."""
    dated = [c for c in columns if c.kind == "datetime" and not c.format]
    if not dated:
        return {}
    sample = lf.select(pl.col(n) for n in dict.fromkeys(names[c.field] for c in dated)).head(_SAMPLE_ROWS).collect()
    return {c.field: detect_date_format(sample[names[c.field]], f"{shape.path}: column {names[c.field]!r}")
            for c in dated}


def match_columns(shape: FileShape, spec: DatasetSpec, columns) -> dict[str, str]:
    """Config column names → the file's header names, tolerating case, spaces and a BOM."""
    by_norm: dict[str, list[str]] = {}
    for name in shape.header:
        by_norm.setdefault(normalise_name(name), []).append(name)
    names, problems = {}, []
    for column in columns:
        if column.column == ROW_ID:  # not in the file: raw_scan makes it
            names[column.field] = ROW_ID
            continue
        found = by_norm.get(normalise_name(column.column), [])
        if len(found) == 1 and found[0].strip():
            names[column.field] = found[0]
        elif len(found) > 1:
            problems.append(f"column {column.column!r} (for {column.field}) appears {len(found)} times in the header")
        else:
            problems.append(_missing_column(shape, spec, column))
    if problems:
        raise DataError(f"{shape.path}: the mapped columns do not match the file", problems)
    return names


def _missing_column(shape: FileShape, spec: DatasetSpec, column: Column) -> str:
    available = ", ".join(repr(h) for h in shape.header[:30]) + (" …" if len(shape.header) > 30 else "")
    hint = closest(column.column, shape.header)
    message = (f"datasets.{spec.name}.columns.{column.field}: column {column.column!r} is not in the file "
               f"(columns: {available})")
    if hint:
        message += f'; did you mean "{hint}"?'
    if len(shape.header) == 1 and shape.format == "csv":
        others = [d for d in (";", "\t", "|", ",") if d in shape.header[0]]
        if others:
            message += f"; only 1 column found: is the delimiter {others[0]!r}? (set delimiter: in the config)"
    return message

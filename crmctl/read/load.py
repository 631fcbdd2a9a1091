"""Export files → one typed, canonical DataFrame per dataset, with an account of every row.

Each file is scanned lazily with every column as text, only the mapped columns are kept and
converted as the config says (read/cells.py), and the dataset is collected once. Rows are then
accounted for: read = used + filtered (`where:`) + skipped (a required field missing or invalid).
"""

from __future__ import annotations

import glob as globlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from crmctl.config import DatasetSpec
from crmctl.config.source import is_remote
from crmctl.domain.datasets import CANONICAL
from crmctl.errors import DataError
from crmctl.read.loaded import FieldIssue, Loaded  # noqa: F401  (re-exported: the reader's result types)
from crmctl.read.optimistic import read_files
from crmctl.read.rows import (
    count_invalid, drop_blank_lines, drop_short_rows, enforce_invalid_limit, fill_examples, keep_rows,
)
from crmctl.read.remote import dataset_shape, is_parquet_dataset
from crmctl.read.scan import file_scans
from crmctl.read.sniff import FileShape, first_ragged_row, ragged_rows, sniff, transcoded

if TYPE_CHECKING:
    from crmctl.read.database import RowWindow


def resolve_files(spec: DatasetSpec) -> list[Path]:
    """The dataset's files, globs expanded; an object-store URL or a folder of Parquet stays one source that
    Polars expands itself (read/remote.py)."""
    files: list[Path] = []
    for pattern in spec.paths:
        if is_remote(pattern) or pattern.is_file():  # "orders [2024].csv" is a file's name before a pattern
            files.append(pattern)
        elif globlib.has_magic(str(pattern)):
            matched = sorted(Path(p) for p in globlib.glob(str(pattern)))
            if not matched:
                raise DataError(f"datasets.{spec.name}.path: no file matches {pattern}")
            files.extend(matched)
        elif not pattern.exists():
            raise DataError(f"datasets.{spec.name}.path: file not found: {pattern}")
        else:
            files.append(pattern)
    return files


def load_dataset(spec: DatasetSpec, fields: set[str] | None = None, quality: bool = False,
                 window: RowWindow | None = None) -> Loaded:
    """Reads the mapped `fields` (all mapped when None) of one dataset into a typed DataFrame; of a database
    dataset only the rows in `window`, when the database can select them (read/database.py)."""
    canonical = CANONICAL[spec.name]
    # A field read only for `where:` is not held once the filter has run: nothing asked for it.
    filter_only = set() if fields is None else set(spec.where) - fields - set(canonical.required)
    fields = set(spec.columns) if fields is None else fields | set(canonical.required) | set(spec.where)
    if canonical.wide and fields & {"type", "score"}:
        fields |= set(canonical.wide)
    columns = [spec.columns[f] for f in spec.columns if f in fields]
    with tempfile.TemporaryDirectory(prefix="crmctl-") as scratch:
        shapes, sources, pushed = located(spec, columns, scratch, window)
        files = [shape.path for shape in shapes]
        try:
            collected = read_files(file_scans(spec, columns, shapes, sources))
        except pl.exceptions.PolarsError as exc:
            raise _read_error(spec, shapes, sources, exc) from None
        collected = _refuse_ragged(collected, shapes, sources)
        collected = _mark_footers(collected, shapes)
        loaded = Loaded(spec.name, collected, files, rows_read=collected.height, pushed=pushed)
        rows = drop_blank_lines(collected, loaded)
        rows = drop_short_rows(rows, spec, columns, shapes, sources, loaded)
        count_invalid(rows, columns, loaded)
        if loaded.invalid:  # the flags are booleans: the few example values are read again
            fill_examples(loaded, spec, columns, shapes, sources)
            enforce_invalid_limit(spec, loaded)
    keep_rows(spec, columns, rows, loaded, filter_only)
    headers = {shape.header for shape in shapes if shape.format == "csv"}
    if len(headers) > 1:
        loaded.warnings.append(f"{len(files)} files disagree on their columns; read as one dataset, columns united "
                               f"by name (cells a file lacks are empty)")
    if quality:
        from crmctl.read.quality import quality_frame

        loaded.quality = quality_frame(spec.name, columns, collected)
    wide = [f for f in (canonical.wide or {}) if f in loaded.frame.columns]
    if wide:
        loaded.frame = _long(loaded.frame, {f: canonical.wide[f] for f in wide})
    return loaded


def located(spec: DatasetSpec, columns: list, scratch: str, window: RowWindow | None = None):
    """Each source of the dataset as sniffed, where the reader finds its bytes (the file, its UTF-8 copy in
    `scratch`, or a database source's mapped columns fetched as text into `scratch`: read/database.py), and
    what a window pushed into a database read left out (None for files)."""
    if spec.source is not None:
        from crmctl.read.database import fetch

        shape, source, pushed = fetch(spec, columns, scratch, window)
        return [shape], [source], pushed
    shapes = [shape_of(path, spec) for path in resolve_files(spec)]
    return shapes, [transcoded(shape, scratch) if shape.needs_transcoding else shape.path for shape in shapes], None


def shape_of(path, spec: DatasetSpec) -> FileShape:
    """A file sniffed, or a remote or partitioned Parquet dataset by its metadata."""
    if is_parquet_dataset(path):
        return dataset_shape(path)
    return sniff(path, spec.delimiter, spec.encoding, spec.header)


def _mark_footers(df: pl.DataFrame, shapes: list[FileShape]) -> pl.DataFrame:
    """Flags each file's last `footer` non-blank rows, which sniff found narrower than the header."""
    footers = [(index, shape.footer) for index, shape in enumerate(shapes) if shape.footer]
    if not footers:
        return df
    flag = pl.lit(False)
    for index, count in footers:
        last = df.filter((pl.col("_file") == index) & ~pl.col("_blank"))["_row"].sort().tail(count)
        flag = flag | ((pl.col("_file") == index) & pl.col("_row").is_in(last.to_list()))
    return df.with_columns(_footer=flag)


def _long(frame: pl.DataFrame, wide: dict[str, str]) -> pl.DataFrame:
    """One row per (row, wide column with a value): its type from the column, its value as score."""
    keep = [c for c in frame.columns if c not in wide]
    long = frame.unpivot(on=list(wide), index=keep, variable_name="type", value_name="score")
    return long.filter(pl.col("score").is_not_null()).with_columns(pl.col("type").replace_strict(wide))


def _refuse_ragged(df: pl.DataFrame, shapes: list[FileShape], sources: list[Path]) -> pl.DataFrame:
    """A row with more fields than the header stops the run (exit 4) with its row, wherever the extra field
    is: its cells cannot be told apart (which column did the stray delimiter split?)."""
    if "_ragged" not in df.columns:
        return df
    if df["_ragged"].any():
        index, row = df.filter(pl.col("_ragged")).select("_file", "_row").row(0)
        shape = shapes[index]
        found = next((f for r, f, expected in ragged_rows(sources[index], shape.delimiter, shape.preamble)
                      if r == row and f > expected), None)
        raise _ragged_error(shape, row, f"has {found} fields but the header has {len(shape.header)}" if found
                            else f"has more fields than the header's {len(shape.header)}")
    return df.drop("_ragged")


def _ragged_error(shape: FileShape, row: int, fields: str) -> DataError:
    return DataError(f"{shape.path}: row {row} {fields}; fix or remove that row (a stray delimiter, an unquoted "
                     "text field or a number written with a thousands comma, such as 1,146.54)")


def _read_error(spec: DatasetSpec, shapes: list[FileShape], sources: list[Path], exc: Exception) -> DataError:
    """Polars' read errors name no file or line; find the culprit and say how to fix it."""
    for shape, source in zip(shapes, sources):
        if shape.format == "csv":
            ragged = first_ragged_row(source, shape.source_delimiter)
            if ragged:
                row, found, expected = ragged
                return _ragged_error(shape, row, f"has {found} fields but the header has {expected}")
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    names = ", ".join(str(s.path) for s in shapes)
    return DataError(f"datasets.{spec.name}: cannot read {names}: {first_line}")



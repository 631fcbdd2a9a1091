"""Export files → one typed, canonical DataFrame per dataset, with an account of every row.

Each file is scanned lazily with every column as text, only the mapped columns are kept and
converted as the config says (convert.py), and the dataset is collected once. Rows are then
accounted for: read = used + filtered (`where:`) + skipped (a required field missing or invalid).
"""

from __future__ import annotations

import glob as globlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from crmctl.config import Column, Config, DatasetSpec
from crmctl.convert import CURRENCY_SYMBOLS, blank_to_null, convert, convert_typed, detect_date_format
from crmctl.datasets import CANONICAL
from crmctl.errors import DataError, closest
from crmctl.sniff import FileShape, first_ragged_row, normalise_name, sniff, transcoded

_SAMPLE_ROWS = 1000
_EXAMPLES = 3


@dataclass
class FieldIssue:
    """Values of one field that did not convert: how many, and the first few with their rows."""

    count: int = 0
    examples: list[tuple[str, int, str]] = field(default_factory=list)  # (file, row, value)

    def describe(self) -> str:
        shown = "; ".join(f"{Path(f).name} row {r}: {v!r}" for f, r, v in self.examples)
        return f"{self.count} invalid ({shown})"


@dataclass
class Loaded:
    name: str
    frame: pl.DataFrame
    files: list[Path]
    rows_read: int = 0
    rows_used: int = 0  # rows kept; a wide survey row may then become several responses
    rows_filtered: int = 0
    rows_skipped: int = 0
    skipped_because: dict[str, int] = field(default_factory=dict)  # reason -> rows
    invalid: dict[str, FieldIssue] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # shown on stderr by the CLI
    quality: pl.DataFrame | None = None  # per-row quality (quality.py), when data-quality metrics ask


def resolve_files(spec: DatasetSpec) -> list[Path]:
    files: list[Path] = []
    for pattern in spec.paths:
        if globlib.has_magic(str(pattern)):
            matched = sorted(Path(p) for p in globlib.glob(str(pattern)))
            if not matched:
                raise DataError(f"datasets.{spec.name}.path: no file matches {pattern}")
            files.extend(matched)
        elif not pattern.exists():
            raise DataError(f"datasets.{spec.name}.path: file not found: {pattern}")
        else:
            files.append(pattern)
    return files


def load_dataset(spec: DatasetSpec, config: Config, fields: set[str] | None = None, quality: bool = False) -> Loaded:
    """Reads the mapped `fields` (all mapped when None) of one dataset into a typed DataFrame."""
    canonical = CANONICAL[spec.name]
    fields = set(spec.columns) if fields is None else fields | set(canonical.required) | set(spec.where)
    if canonical.wide and fields & {"type", "score"}:
        fields |= set(canonical.wide)
    columns = [spec.columns[f] for f in spec.columns if f in fields]
    files = resolve_files(spec)
    shapes = [sniff(path, spec.delimiter, spec.encoding) for path in files]
    with tempfile.TemporaryDirectory(prefix="crmctl-") as scratch:
        sources = [transcoded(shape, scratch) if shape.needs_transcoding else shape.path for shape in shapes]
        frames = [_scan_file(shape, source, index, spec, columns, config)
                  for index, (shape, source) in enumerate(zip(shapes, sources))]
        try:
            collected = pl.concat(frames, how="diagonal_relaxed").collect(engine="streaming")
        except pl.exceptions.PolarsError as exc:
            raise _read_error(spec, shapes, sources, exc) from None
        collected = _mark_footers(collected, shapes)
        loaded = Loaded(spec.name, collected, files, rows_read=collected.height)
        rows = _drop_blank_lines(collected, loaded)
        _count_invalid(rows, columns, loaded)
        if loaded.invalid:  # the flags are booleans: the few example values are read again
            _fill_examples(loaded, spec, columns, shapes, sources)
            _enforce_invalid_limit(spec, loaded)
    _keep_rows(spec, columns, rows, loaded)
    headers = {shape.header for shape in shapes if shape.format == "csv"}
    if len(headers) > 1:
        loaded.warnings.append(f"{len(files)} files disagree on their columns; read as one dataset, columns united "
                               f"by name (cells a file lacks are empty)")
    if quality:
        from crmctl.quality import quality_frame

        loaded.quality = quality_frame(spec.name, columns, collected)
    wide = [f for f in (canonical.wide or {}) if f in loaded.frame.columns]
    if wide:
        loaded.frame = _long(loaded.frame, {f: canonical.wide[f] for f in wide})
    return loaded


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


def _read_error(spec: DatasetSpec, shapes: list[FileShape], sources: list[Path], exc: Exception) -> DataError:
    """Polars' read errors name no file or line; find the culprit and say how to fix it."""
    for shape, source in zip(shapes, sources):
        if shape.format == "csv":
            ragged = first_ragged_row(source, shape.delimiter)
            if ragged:
                row, found, expected = ragged
                return DataError(f"{shape.path}: row {row} has {found} fields but the header has {expected}; "
                                 "fix or remove that row (a stray delimiter or an unquoted text field)")
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    names = ", ".join(str(s.path) for s in shapes)
    return DataError(f"datasets.{spec.name}: cannot read {names}: {first_line}")


def _raw_scan(shape: FileShape, source: Path, spec: DatasetSpec) -> pl.LazyFrame:
    """A file's cells as they are, with `_row`, the line number a spreadsheet shows."""
    if shape.format == "parquet":
        return pl.scan_parquet(source).with_row_index("_row", offset=1)
    return pl.scan_csv(
        source, separator=shape.delimiter, infer_schema=False, null_values=list(spec.null_values),
        row_index_name="_row", row_index_offset=2 + shape.preamble, raise_if_empty=False,
        truncate_ragged_lines=False, skip_lines=shape.preamble,
    )


def _trimmed(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.String).str.strip_chars()


def _scan_file(shape: FileShape, source: Path, index: int, spec: DatasetSpec, columns: list[Column],
               config: Config) -> pl.LazyFrame:
    names = _match_columns(shape, spec, columns)
    lf = _raw_scan(shape, source, spec)
    schema = lf.collect_schema()
    # Stages, so each expression runs once per chunk: trimmed text, then typed values, then flags.
    # Every expression here must be one the streaming engine runs in chunks (not `replace`).
    typed = {c.field for c in columns if shape.format == "parquet" and schema[names[c.field]] != pl.String}
    texts = lf.select(
        "_row", pl.lit(index, pl.Int32).alias("_file"),
        *(pl.col(names[c.field]).alias(f"_raw_{c.field}") for c in columns if c.field in typed),
        *(_trimmed(names[c.field]).alias(f"_text_{c.field}") for c in columns),
    ).with_columns(blank_to_null(pl.col(f"_text_{c.field}")) for c in columns)
    sampled = _sampled_formats(lf, names, [c for c in columns if c.field not in typed], shape)
    values = []
    for column in columns:
        if column.field in typed:
            raw = pl.col(f"_raw_{column.field}")
            values.append(convert_typed(raw, schema[names[column.field]], column, config.timezone).alias(column.field))
        else:
            fmt = column.format or sampled.get(column.field)
            values.append(convert(pl.col(f"_text_{column.field}"), column, config.timezone, fmt).alias(column.field))
        if column.kind == "number":  # the few cells with a currency symbol, for _currency_bits
            text = pl.col(f"_text_{column.field}")
            values.append(pl.when(text.str.contains_any(CURRENCY_SYMBOLS)).then(text).alias(f"_sym_{column.field}"))
    flags = [pl.all_horizontal([pl.col(f"_text_{c.field}").is_null() for c in columns] or [pl.lit(False)])
             .alias("_blank")]
    for column in columns:
        text = pl.col(f"_text_{column.field}")
        # Booleans, not the offending text: a text column per field would cost 16 bytes a row.
        flags.append((text.is_not_null() & pl.col(column.field).is_null()).alias(f"_bad_{column.field}"))
        if column.kind == "number":
            flags.append(_currency_bits(pl.col(f"_sym_{column.field}")).alias(f"_cur_{column.field}"))
    keep = ["_row", "_file", "_blank", *(c.field for c in columns), *(f"_bad_{c.field}" for c in columns),
            *(f"_cur_{c.field}" for c in columns if c.kind == "number")]
    return texts.with_columns(values).with_columns(flags).select(keep)


def _currency_bits(text: pl.Expr) -> pl.Expr:
    """The currency symbols a cell shows, one bit each: literal searches cost far less than a regex, and
    `text` is null except in cells with a symbol, which one multi-pattern search found first."""
    bits = [text.str.contains(symbol, literal=True).fill_null(False).cast(pl.UInt8) * (1 << i)
            for i, symbol in enumerate(CURRENCY_SYMBOLS)]
    return pl.sum_horizontal(bits).cast(pl.UInt8)


def _sampled_formats(lf: pl.LazyFrame, names: dict[str, str], columns: list[Column], shape: FileShape) -> dict:
    """The date format of each datetime column without `format:`, from one sample of the file's first rows."""
    dated = [c for c in columns if c.kind == "datetime" and not c.format]
    if not dated:
        return {}
    sample = lf.select(pl.col(n) for n in dict.fromkeys(names[c.field] for c in dated)).head(_SAMPLE_ROWS).collect()
    return {c.field: detect_date_format(sample[names[c.field]], f"{shape.path}: column {names[c.field]!r}")
            for c in dated}


def _match_columns(shape: FileShape, spec: DatasetSpec, columns: list[Column]) -> dict[str, str]:
    """Config column names → the file's header names, tolerating case, spaces and a BOM."""
    by_norm: dict[str, list[str]] = {}
    for name in shape.header:
        by_norm.setdefault(normalise_name(name), []).append(name)
    names, problems = {}, []
    for column in columns:
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


def _drop_blank_lines(df: pl.DataFrame, loaded: Loaded) -> pl.DataFrame:
    drop = pl.lit(False)
    for flag, reason in (("_blank", "blank line"), ("_footer", "footer or note line")):
        if flag in df.columns and df[flag].any():
            loaded.skipped_because[reason] = int(df[flag].sum())
            drop = drop | pl.col(flag)
    return df.filter(~drop) if loaded.skipped_because else df  # a filter copies every column


def _count_invalid(df: pl.DataFrame, columns: list[Column], loaded: Loaded) -> None:
    """Invalid values per field, with the (file index, row) of the first few; _fill_examples reads their text."""
    counts = df.select(pl.col(f"_bad_{c.field}").sum() for c in columns).row(0) if columns else ()
    for column, count in zip(columns, counts):
        if count:
            first = df.filter(pl.col(f"_bad_{column.field}")).head(_EXAMPLES).select("_file", "_row").rows()
            loaded.invalid[column.field] = FieldIssue(count, [(f, r, None) for f, r in first])


def _fill_examples(loaded: Loaded, spec: DatasetSpec, columns: list[Column], shapes: list[FileShape],
                   sources: list[Path]) -> None:
    """Reads the example cells again: one scan per file for every example row in it."""
    wanted = {(f, c.field) for c in columns if c.field in loaded.invalid
              for f, _, _ in loaded.invalid[c.field].examples}
    cells = {}
    for index in sorted({f for f, _ in wanted}):
        fields = [c for c in columns if (index, c.field) in wanted]
        names = _match_columns(shapes[index], spec, fields)
        rows = sorted({r for c in fields for f, r, _ in loaded.invalid[c.field].examples if f == index})
        found = (_raw_scan(shapes[index], sources[index], spec).filter(pl.col("_row").is_in(rows))
                 .select("_row", *(_trimmed(names[c.field]).alias(c.field) for c in fields)).collect())
        for record in found.iter_rows(named=True):
            cells.update({(index, record["_row"], c.field): record[c.field] for c in fields})
    for fieldname, issue in loaded.invalid.items():
        issue.examples = [(str(loaded.files[f]), r, cells[(f, r, fieldname)]) for f, r, _ in issue.examples]


def _keep_rows(spec: DatasetSpec, columns: list[Column], df: pl.DataFrame, loaded: Loaded) -> None:
    """Drops rows that lack a required field and duplicates, applies `where:`, checks currencies."""
    present = {c.field for c in columns}
    kept = df
    for fieldname in [f for f in CANONICAL[spec.name].required if f in present]:
        missing = kept[fieldname].null_count()  # a row is skipped for the first required field it lacks
        if missing:
            kept = kept.filter(pl.col(fieldname).is_not_null())
            loaded.skipped_because[f"{fieldname} missing or invalid"] = missing
    kept = _deduplicate(spec, kept, loaded)
    loaded.rows_skipped = loaded.rows_read - kept.height
    for fieldname, allowed in spec.where.items():
        if spec.columns[fieldname].kind == "category":
            allowed = tuple(v.lower() for v in allowed)
        kept = kept.filter(pl.col(fieldname).cast(pl.String).is_in(list(allowed)))
    _check_currencies(spec, columns, kept)
    loaded.rows_filtered = loaded.rows_read - loaded.rows_skipped - kept.height
    loaded.rows_used = kept.height
    # One chunk per column: joins and group_bys over the streaming engine's hundreds of chunks are
    # several times slower.
    loaded.frame = kept.select([c.field for c in columns]).rechunk()


def _deduplicate(spec: DatasetSpec, df: pl.DataFrame, loaded: Loaded) -> pl.DataFrame:
    """Overlapping exports repeat rows: keep the last row of each id (files in name order, rows in order)."""
    key = CANONICAL[spec.name].id_field
    if not spec.deduplicate or key not in df.columns:
        return df
    if df[key].hash().n_unique() == df.height:  # distinct hashes prove distinct ids, 5x faster than n_unique
        return df
    unique = df.unique(subset=[key], keep="last", maintain_order=True)
    if unique.height < df.height:
        loaded.skipped_because["duplicate id (the last row was kept)"] = df.height - unique.height
    return unique


def _check_currencies(spec: DatasetSpec, columns: list[Column], df: pl.DataFrame) -> None:
    """Amounts in different currencies must never be summed together."""
    problems = []
    for column in columns:
        bits = f"_cur_{column.field}"
        if bits in df.columns and df.height:
            seen = df[bits].bitwise_or() or 0
            found = [symbol for i, symbol in enumerate(CURRENCY_SYMBOLS) if seen & (1 << i)]
            if len(found) > 1:
                problems.append(f"{column.column!r} ({column.field}) mixes currency symbols: {', '.join(found)}")
    currencies = df["currency"].drop_nulls() if "currency" in df.columns else None
    if currencies is not None and currencies.hash().n_unique() > 1:  # distinct hashes: distinct values
        found = ", ".join(sorted(currencies.unique().to_list()))
        problems.append(f"the currency column has several values: {found}; keep one with "
                        f"where: {{currency: [{found.split(', ')[0]}]}}")
    if problems:
        raise DataError(f"datasets.{spec.name}: crmctl never adds amounts in different currencies", problems)


def _enforce_invalid_limit(spec: DatasetSpec, loaded: Loaded) -> None:
    if not loaded.rows_read:
        return
    over = {f: issue for f, issue in loaded.invalid.items()
            if issue.count / loaded.rows_read > spec.max_invalid_ratio}
    if over:
        raise DataError(
            f"datasets.{spec.name}: too many values do not parse (limit max_invalid_ratio: "
            f"{spec.max_invalid_ratio:g} of {loaded.rows_read} rows); fix the column mapping or format",
            [f"{spec.columns[f].column!r} ({f}): {issue.describe()}" for f, issue in over.items()],
        )

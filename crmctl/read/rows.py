"""The account of every row of a dataset: blank and footer lines, invalid values with examples, rows
lacking a required field, duplicate ids, `where:` filters and mixed currencies."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from crmctl.config import Column, DatasetSpec
from crmctl.domain.datasets import CANONICAL
from crmctl.errors import DataError
from crmctl.read.cells import CURRENCY_SYMBOLS
from crmctl.read.loaded import FieldIssue, Loaded
from crmctl.read.scan import match_columns, raw_scan, trimmed
from crmctl.read.sniff import FileShape, ragged_rows

_EXAMPLES = 3
_RISING_PROBE = 1000


def drop_blank_lines(df: pl.DataFrame, loaded: Loaded) -> pl.DataFrame:
    drop = pl.lit(False)
    for flag, reason in (("_blank", "blank line"), ("_footer", "footer or note line")):
        if flag in df.columns and df[flag].any():
            loaded.skipped_because[reason] = int(df[flag].sum())
            drop = drop | pl.col(flag)
    return df.filter(~drop) if loaded.skipped_because else df  # a filter copies every column


def count_invalid(df: pl.DataFrame, columns: list[Column], loaded: Loaded) -> None:
    """Invalid values per field, with the (file index, row) of the first few; fill_examples reads their text."""
    counts = df.select(pl.col(f"_bad_{c.field}").sum() for c in columns).row(0) if columns else ()
    for column, count in zip(columns, counts):
        if count:
            first = df.filter(pl.col(f"_bad_{column.field}")).head(_EXAMPLES).select("_file", "_row").rows()
            loaded.invalid[column.field] = FieldIssue(count, [(f, r, None) for f, r in first])


def fill_examples(loaded: Loaded, spec: DatasetSpec, columns: list[Column], shapes: list[FileShape],
                   sources: list[Path]) -> None:
    """Reads the example cells again: one scan per file for every example row in it."""
    wanted = {(f, c.field) for c in columns if c.field in loaded.invalid
              for f, _, _ in loaded.invalid[c.field].examples}
    cells = {}
    for index in sorted({f for f, _ in wanted}):
        fields = [c for c in columns if (index, c.field) in wanted]
        names = match_columns(shapes[index], spec, fields)
        rows = sorted({r for c in fields for f, r, _ in loaded.invalid[c.field].examples if f == index})
        found = (raw_scan(shapes[index], sources[index], spec).filter(pl.col("_row").is_in(rows))
                 .select("_row", *(trimmed(names[c.field]).alias(c.field) for c in fields)).collect())
        for record in found.iter_rows(named=True):
            cells.update({(index, record["_row"], c.field): record[c.field] for c in fields})
    for fieldname, issue in loaded.invalid.items():
        issue.examples = [(str(loaded.files[f]), r, cells[(f, r, fieldname)]) for f, r, _ in issue.examples]


def drop_short_rows(df: pl.DataFrame, spec: DatasetSpec, columns: list[Column], shapes: list[FileShape],
                    sources: list[Path], loaded: Loaded) -> pl.DataFrame:
    """A row with fewer fields than the header that lacks a required field is skipped as a short row, named with
    its file and row like a row with too many fields, not as a missing value. Files are read again for this
    only when some row lacks a required field; a short row with every required field is kept (its missing
    trailing cells are empty, like blank cells)."""
    required = [f for f in CANONICAL[spec.name].required if f in {c.field for c in columns}]
    lacking = pl.any_horizontal(pl.col(f).is_null() for f in required) if required else None
    if lacking is None or not df.select(lacking.any()).item():
        return df
    short = {(index, row): (found, expected)
             for index, (shape, source) in enumerate(zip(shapes, sources)) if shape.format == "csv"
             for row, found, expected in ragged_rows(source, shape.source_delimiter, shape.preamble)
             if found < expected}
    if not short:
        return df
    keys = pl.DataFrame(list(short), schema={"_file": df.schema["_file"], "_row": df.schema["_row"]}, orient="row")
    hit = df.filter(lacking).select("_file", "_row").join(keys, on=["_file", "_row"], how="semi")
    if not hit.height:
        return df
    loaded.skipped_because["short row (fewer fields than the header)"] = hit.height
    shown = "; ".join(f"{Path(loaded.files[f]).name} row {r}: {short[(f, r)][0]} fields, the header has "
                      f"{short[(f, r)][1]}" for f, r in hit.head(_EXAMPLES).rows())
    loaded.warnings.append(f"{hit.height} short row{'s' if hit.height > 1 else ''} skipped ({shown}); a row cut off "
                           "or missing delimiters: fix or remove it")
    return df.join(hit, on=["_file", "_row"], how="anti")


def keep_rows(spec: DatasetSpec, columns: list[Column], df: pl.DataFrame, loaded: Loaded,
              filter_only: set[str] = frozenset()) -> None:
    """Drops rows that lack a required field and duplicates, applies `where:`, checks currencies, and holds
    the fields but those in `filter_only` (read for `where:` alone)."""
    present = {c.field for c in columns}
    kept = df
    for fieldname in [f for f in CANONICAL[spec.name].required if f in present]:
        missing = kept[fieldname].null_count()  # a row is skipped for the first required field it lacks
        if missing:
            kept = kept.filter(pl.col(fieldname).is_not_null())
            loaded.skipped_because[f"{fieldname} missing or invalid"] = missing
    kept = _deduplicate(spec, kept, loaded)
    loaded.rows_skipped = loaded.rows_read - kept.height
    # Neither the row flags nor the fields read for `where:` alone (but the currency, checked next) are filtered
    # along: that would copy them for nothing (the orders' status: 150 MB at 10M rows).
    mask = kept.select(wanted(spec)).to_series() if spec.where else None
    kept = kept.select(*(c.field for c in columns if c.field not in filter_only or c.field == "currency"),
                       *(f"_cur_{c.field}" for c in columns if c.kind == "number"))
    if mask is not None:
        kept = kept.filter(mask)
    _check_currencies(spec, columns, kept)
    loaded.rows_filtered = loaded.rows_read - loaded.rows_skipped - kept.height
    loaded.rows_used = kept.height
    # One chunk per column: joins and group_bys over the streaming engine's hundreds of chunks are
    # several times slower.
    loaded.frame = kept.select(held(c) for c in columns if c.field not in filter_only).rechunk()


def wanted(spec: DatasetSpec) -> pl.Expr:
    """The rows `where:` keeps: each field's value in its list (lower-cased for a category, as its values are)."""
    conditions = []
    for fieldname, allowed in spec.where.items():
        if spec.columns[fieldname].kind == "category":
            allowed = tuple(v.lower() for v in allowed)
        conditions.append(pl.col(fieldname).cast(pl.String).is_in(list(allowed)))
    return pl.all_horizontal(conditions)


def _deduplicate(spec: DatasetSpec, df: pl.DataFrame, loaded: Loaded) -> pl.DataFrame:
    """Overlapping exports repeat rows: keep the last row of each id (files in name order, rows in order)."""
    key = CANONICAL[spec.name].id_field
    if not spec.deduplicate or key not in df.columns:
        return df
    if distinct_ids(df[key]):
        return df
    unique = df.unique(subset=[key], keep="last", maintain_order=True)
    if unique.height < df.height:
        loaded.skipped_because["duplicate id (the last row was kept)"] = df.height - unique.height
    return unique


def distinct_ids(ids: pl.Series) -> bool:
    """Whether the ids are proved distinct: integers rising in row order (order numbers, ticket ids; tried on
    the first rows, then on all: 10M orders in 0.3 s where counting their hashes took 1.6 s), else distinct
    hashes (5x faster than n_unique). A False may still be distinct ids: the caller deduplicates."""
    if rising_integers(ids.head(_RISING_PROBE)) and rising_integers(ids):
        return True
    return ids.hash().n_unique() == ids.len()


def rising_integers(ids: pl.Series) -> bool:
    """Whether every id is an integer above the one before: distinct integers, so distinct texts."""
    numbers = ids.cast(pl.Int64, strict=False)
    return ids.len() > 1 and not numbers.null_count() and bool(numbers.diff().min() > 0)


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


def enforce_invalid_limit(spec: DatasetSpec, loaded: Loaded) -> None:
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


def held(column: Column) -> pl.Expr:
    """A category (a status, an event, a survey type) or a dimension (a segment, a channel) is held as a
    Categorical: 4 bytes a row where a string view takes 16, and group_bys and joins on integer codes."""
    if column.kind in ("category", "text"):
        return pl.col(column.field).cast(pl.Categorical)
    return pl.col(column.field)

"""The optimistic read: a clean export is proved clean at about the speed of a plain typed read.

Each cell is converted the cheap way, and a row is *suspect* whenever the validating read (scan.py)
could give it another value or flag: a number that is not a plain finite cast, a value that does not
convert, an empty or all-space cell, "E+" in an id, a spreadsheet error (#VALUE!), a currency symbol,
a blank line. A row that is not suspect has, by construction, the validating read's values and a
clean account (not blank, nothing invalid, no currency symbol). Only the suspect rows are read again
through the validating path and put in their place; a file whose first rows are mostly suspect is
validated at once. Either way the result is the frame the validating read gives, cell for cell and
flag for flag (tests/test_optimistic.py holds the two equal)."""

from __future__ import annotations

import polars as pl

from crmctl.config import Column
from crmctl.read.cells import (
    CURRENCY_SYMBOLS, EXCEL_ERRORS, checks_excel_errors, convert_unchecked, parse_datetime, plausible_date, scaled,
)
from crmctl.domain.datasets import ROW_ID
from crmctl.read.scan import FileScan, match_columns, ragged, raw_scan, sampled_formats, scan_file, trimmed

_OFFSET = "%#z"
_SAMPLE_ROWS = 100
_PROBE_ROWS, _MOSTLY = 1000, 0.2
_EXCEL_ENDINGS = tuple(sorted({error[-1] for error in EXCEL_ERRORS}))  # "!" and "?"


def read_files(scans: list[FileScan], optimistic: bool = True) -> pl.DataFrame:
    """Every file of a dataset as the validating read gives it: optimistically when every file is a CSV
    without footer lines (sniffed) whose first rows are mostly clean, else through the validating read."""
    if optimistic and all(scan.shape.format == "csv" and not scan.shape.footer for scan in scans):
        frames = [fast_scan(scan) for scan in scans]
        if not any(_mostly_suspect(frame) for frame in frames):
            return _optimistic(frames, scans)
    frames = [scan_file(scan) for scan in scans]
    return pl.concat(frames, how="diagonal_relaxed").collect(engine="streaming")


def _mostly_suspect(frame: pl.LazyFrame) -> bool:
    """Whether a file's first rows are suspect often enough that reading suspect rows twice would cost more
    than validating the file (break-even measured near a quarter of the rows: a $ on every amount made the
    optimistic read 1.6x slower than the validating one, 9 % of them 0.8x)."""
    share = frame.head(_PROBE_ROWS).select(pl.col("_suspect").mean()).collect().item()
    return share is not None and share > _MOSTLY


def _optimistic(frames: list[pl.LazyFrame], scans: list[FileScan]) -> pl.DataFrame:
    columns = scans[0].columns
    fast = pl.concat(frames, how="vertical").collect(engine="streaming")
    suspect = fast["_suspect"]
    if not suspect.any():
        return _with_clean_account(fast, columns)
    rows = fast.filter(suspect).select("_file", "_row").partition_by("_file", as_dict=True)
    redo = [scan_file(scans[index], rows=group["_row"]) for (index,), group in rows.items()]
    validated = pl.concat(redo, how="vertical").collect(engine="streaming").sort("_file", "_row")
    return _replaced(_with_clean_account(fast, columns), suspect, validated)


def _replaced(clean: pl.DataFrame, suspect: pl.Series, validated: pl.DataFrame) -> pl.DataFrame:
    """Every row as the optimistic read has it, the suspect ones replaced by their validated cells. Both
    frames are in file and line order, so the n-th suspect row is the n-th validated one: scattering them
    into place costs a copy of each column, where sorting the union by file and line cost three."""
    at = suspect.arg_true()
    return clean.with_columns(clean[name].scatter(at, validated[name]) for name in clean.columns
                              if name not in ("_row", "_file"))


def fast_scan(scan: FileScan) -> pl.LazyFrame:
    shape, source, index, spec, columns = scan.shape, scan.source, scan.index, scan.spec, scan.columns
    names = match_columns(shape, spec, columns)
    lf = raw_scan(shape, source, spec)
    formats = sampled_formats(lf, names, columns, shape)
    formats = {c.field: c.format or formats.get(c.field) for c in columns}
    utc, integers = _probed(lf, names, columns, formats)
    plain = integers | {c.field for c in columns
                        if _plain_number(c) or _plain_date(c, formats[c.field], c.field in utc)}
    # Staged as scan.py stages it: the streaming engine evaluates a repeated subexpression again.
    texts = lf.select(
        "_row", pl.lit(index, pl.Int32).alias("_file"),
        *(pl.col(names[c.field]).alias(f"_text_{c.field}") for c in columns if c.field in plain),
        *(trimmed(names[c.field]).alias(f"_text_{c.field}") for c in columns if c.field not in plain),
        ragged().alias("_ragged"),
    )
    values = [_fast_value(pl.col(f"_text_{c.field}"), c, spec.timezone, formats[c.field], c.field in utc)
              .alias(c.field) for c in columns]
    read = [c for c in columns if c.column != ROW_ID]  # a blank line has a generated id: suspect it all the same
    suspects = [pl.all_horizontal([pl.col(f"_text_{c.field}").is_null() for c in read] or [pl.lit(False)])]
    suspects += [_suspect(pl.col(f"_text_{c.field}"), pl.col(c.field), c, c.field in integers) for c in columns]
    suspects.append(pl.col("_ragged"))
    return (texts.with_columns(values)
            .select("_row", "_file", *(c.field for c in columns), _suspect=pl.any_horizontal(suspects).fill_null(False)))


def _plain_number(column: Column) -> bool:
    return column.kind == "number" and not column.decimal_comma and not column.values


def _plain_date(column: Column, fmt: str | None, utc: bool) -> bool:
    """A date parsed from the cell as it is, like a plain number: a padded or empty cell either does not
    parse (suspect, so read again trimmed by the validating road) or parses to the trimmed cell's value."""
    return column.kind == "datetime" and not column.values and fmt is not None and not utc


def _probed(lf: pl.LazyFrame, names: dict[str, str], columns: list[Column], formats: dict) -> tuple[set, set]:
    """From one sample of the file's first rows, the fields read a faster way than their kind's default:

    - zoned datetime fields whose sampled values all end in "Z" (UTC), as Zendesk and most APIs write
      them: parsing those with a literal "Z" is 4x faster than parsing the offset (%#z);
    - id fields whose sampled values are all integers (order numbers, most CRMs' record ids): a cell that
      casts to an integer is a sign and digits alone, so it is already what trimming and the validating
      read's tests (blank, "1.23E+15", "#REF!") would leave it. One cast replaces a trim and four tests;
      a later cell that does not cast is suspect, and read again by the validating road."""
    zoned = [c for c in columns if c.kind == "datetime" and not c.values and formats[c.field]
             and formats[c.field].endswith(_OFFSET)]
    ids = [c for c in columns if c.kind == "id" and not c.values and c.column != ROW_ID]
    if not zoned and not ids:
        return set(), set()
    sample = lf.select(trimmed(names[c.field]).alias(c.field) for c in zoned + ids).head(_SAMPLE_ROWS).collect()
    utc = {c.field for c in zoned if sample[c.field].drop_nulls().str.ends_with("Z").all()}
    return utc, {c.field for c in ids if _integers(sample[c.field])}


def _integers(sample: pl.Series) -> bool:
    values = sample.drop_nulls()
    return values.len() > 0 and values.cast(pl.Int64, strict=False).null_count() == 0


def _fast_value(text: pl.Expr, column: Column, timezone: str, fmt: str | None, utc: bool) -> pl.Expr:
    if _plain_number(column):  # the untrimmed cell: a cast reads no space, so a padded cell is suspect
        return scaled(text.cast(pl.Float64, strict=False), column)
    if utc:  # a cell with another offset does not parse, so it is suspect and read again
        value = text.str.to_datetime(fmt.removesuffix(_OFFSET) + "Z", strict=False, time_unit="us")
        if timezone == "UTC":
            return plausible_date(value)
        return plausible_date(value.dt.replace_time_zone("UTC").dt.convert_time_zone(timezone).dt.replace_time_zone(None))
    if column.kind in ("id", "text") and not column.values:  # what is left to check, _suspect checks
        return text
    if column.kind == "category" and not column.values:
        return text.str.to_lowercase()
    if _plain_date(column, fmt, utc):  # no blank_to_null: "" does not parse, and _suspect flags it
        return parse_datetime(text, fmt, timezone)
    return convert_unchecked(text, column, timezone, fmt)


def _suspect(text: pl.Expr, value: pl.Expr, column: Column, integer: bool = False) -> pl.Expr:
    """Whether the validating read might see this cell otherwise than `value` and a clean account.

    A plain number must cast to a finite value: of the strings Polars casts, only "inf", "nan" and
    their kin have a character other than digits, sign, point and exponent, and those are the cells
    the validating read sends through its regexes (which reject them). An `integer` id (_probed) must
    cast to an integer."""
    if _plain_number(column):
        return text.is_not_null() & ~value.is_finite().fill_null(False)
    if integer:
        return text.is_not_null() & text.cast(pl.Int64, strict=False).is_null()
    # An empty (or all-space) cell is a blank to the validating read: left to it.
    suspect = (text == "") | (text.is_not_null() & value.is_null())
    if column.kind == "id" and not column.values:  # a spreadsheet's 1.23E+15 is checked there
        suspect = suspect | text.str.contains("E+", literal=True)
    if checks_excel_errors(column):  # two literal tests cost a third of a list lookup
        suspect = suspect | pl.any_horizontal(text.str.ends_with(end) for end in _EXCEL_ENDINGS)
    if column.kind == "number":  # decimal commas or mapped numbers: symbols must be counted
        suspect = suspect | text.str.contains_any(CURRENCY_SYMBOLS)
    return suspect


def _with_clean_account(df: pl.DataFrame, columns: list[Column]) -> pl.DataFrame:
    """Rows proved clean, with the flags the validating read gives such rows."""
    return df.select(
        "_row", "_file", pl.lit(False).alias("_blank"), pl.lit(False).alias("_ragged"), *(c.field for c in columns),
        *(pl.lit(False).alias(f"_bad_{c.field}") for c in columns),
        *(pl.lit(0, pl.UInt8).alias(f"_cur_{c.field}") for c in columns if c.kind == "number"),
    )

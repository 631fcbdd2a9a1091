"""Text cells → typed values, as Polars expressions, one per field kind (see datasets.py).

Every conversion is strict: a value that does not fit becomes null and is counted as invalid by
read/rows.py (raw not null, converted null). Nothing is guessed per row.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re

import polars as pl

from crmctl.config import Column
from crmctl.errors import DataError

TRUE = ("true", "t", "yes", "y", "1")
FALSE = ("false", "f", "no", "n", "0")
CURRENCY_SYMBOLS = ("$", "€", "£", "¥", "₹")
_CURRENCY = "[\\s\u00a0" + "".join(re.escape(symbol) for symbol in CURRENCY_SYMBOLS) + "]"
_NUMBER_POINT = r"^[-+]?((\d+|\d{1,3}(,\d{3})+)(\.\d*)?|\.\d+)([eE][-+]?\d+)?$"
_NUMBER_COMMA = r"^[-+]?(\d+|\d{1,3}(\.\d{3})+)(,\d*)?$|^[-+]?,\d+$"
_EXCEL_SCIENTIFIC = r"^\d\.\d+E\+\d+$"  # an id Excel turned into 1.23E+15: its digits are lost
_ZONED = re.compile(r"%[#:]?z|%Z")
# A date outside these years is no CRM date but a placeholder (9999-12-31 for "never") or a typo (0202 for
# 2020): invalid, like a value that does not parse. Kept, it would crash date arithmetic past year 9999.
DATES_FROM, DATES_UNTIL = dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1)
EXCEL_ERRORS = ("#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")

_DATES = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y")
_TIMES = ("", " %H:%M", " %H:%M:%S", " %H:%M:%S%.f", "T%H:%M", "T%H:%M:%S", "T%H:%M:%S%.f",
          " %I:%M %p", " %I:%M:%S %p")
DATE_FORMATS = tuple(
    d + t + z for d, t, z in itertools.product(_DATES, _TIMES, ("", "%#z")) if t or not z
) + ("%Y-%m", "%Y%m%d")  # monthly series such as market data; ISO 8601 basic dates (CDNOW)


def convert(text: pl.Expr, column: Column, timezone: str, fmt: str | None) -> pl.Expr:
    """The typed value of one mapped column from its trimmed text; a spreadsheet error (#VALUE!, #REF! …)
    is invalid anywhere."""
    value = convert_unchecked(text, column, timezone, fmt)
    if not checks_excel_errors(column):
        return value
    return pl.when(~text.is_in(EXCEL_ERRORS)).then(value)


def checks_excel_errors(column: Column) -> bool:
    """Numbers, dates and booleans never read "#VALUE!" as a value, so the check would only cost time."""
    return column.kind not in ("number", "datetime", "boolean") or bool(column.values)


def blank_to_null(text: pl.Expr) -> pl.Expr:
    """An empty cell has no value. (Not `replace("", None)`: the streaming engine cannot run it and
    would read the whole column into memory first.)"""
    return pl.when(text != "").then(text)


def _mapped(text: pl.Expr, values: dict[str, str]) -> pl.Expr:
    """The config's value map (`values:`), as conditions the streaming engine runs chunk by chunk."""
    (first, value), *rest = values.items()
    mapped = pl.when(text == first).then(pl.lit(value))
    for old, new in rest:
        mapped = mapped.when(text == old).then(pl.lit(new))
    return mapped.otherwise(text)


def convert_unchecked(text: pl.Expr, column: Column, timezone: str, fmt: str | None) -> pl.Expr:
    """`convert` without the spreadsheet-error check: the optimistic read proves no cell needs it."""
    text = blank_to_null(text if not column.values else _mapped(text, dict(column.values)))
    if column.kind == "number":
        return scaled(_number(text, column.decimal_comma), column)
    if column.kind == "boolean":
        low = text.str.to_lowercase()
        return pl.when(low.is_in(TRUE)).then(True).when(low.is_in(FALSE)).then(False)
    if column.kind == "datetime":
        return parse_datetime(text, fmt, timezone)
    if column.kind == "category":
        return text.str.to_lowercase()
    if column.kind == "id":  # the regex runs only on cells that contain "E+" at all
        scientific = pl.when(text.str.contains("E+", literal=True)).then(text).str.contains(_EXCEL_SCIENTIFIC)
        return pl.when(scientific.fill_null(False).not_()).then(text)
    return text


def convert_typed(raw: pl.Expr, dtype: pl.DataType, column: Column, timezone: str) -> pl.Expr:
    """A Parquet column that already has a type: cast it rather than printing and re-parsing it."""
    if column.kind == "datetime" and dtype.is_temporal():
        value = raw.cast(pl.Datetime("us", getattr(dtype, "time_zone", None)))
        if getattr(dtype, "time_zone", None):
            value = value.dt.convert_time_zone(timezone).dt.replace_time_zone(None)
        return plausible_date(value)
    if column.kind == "number" and dtype.is_numeric():
        return finite(scaled(raw.cast(pl.Float64), column))
    if column.kind == "boolean" and dtype == pl.Boolean:
        return raw
    return convert(raw.cast(pl.String).str.strip_chars(), column, timezone, None)


def scaled(value: pl.Expr, column: Column) -> pl.Expr:
    """A number column's `scale:` applied. Polars computes x / 100 as x × 0.01, one ulp off (1999 cents
    → 19.990000000000002), so a scale of 1/N is rounded to 15 significant digits: exactly x / N."""
    if column.scale is None:
        return value
    value = value * column.scale
    divisor = 1 / column.scale
    return value.round_sig_figs(15) if abs(divisor - round(divisor)) < 1e-9 * divisor else value


def _number(text: pl.Expr, decimal_comma: bool) -> pl.Expr:
    """Most cells are plain numbers ("143.51") that a cast reads exactly as the checked path would, so
    only cells with other characters (commas, symbols, parentheses, letters) go through the regexes.
    The streaming engine evaluates a repeated subexpression again: only the one-class regex repeats."""
    if decimal_comma:  # "1.500" means 1500 there: a plain cast would read it wrongly
        return checked_number(text, decimal_comma)
    unusual = text.str.contains(r"[^0-9.eE+\-]")
    plain = finite(pl.when(unusual.not_()).then(text).cast(pl.Float64, strict=False))
    return pl.coalesce(plain, checked_number(pl.when(unusual).then(text), decimal_comma))


def finite(value: pl.Expr) -> pl.Expr:
    """1e400 or a 400-digit integer casts to infinity: beyond any amount, so invalid, not a sum of inf."""
    return pl.when(value.is_finite()).then(value)


def plausible_date(value: pl.Expr) -> pl.Expr:
    return pl.when(value.is_between(DATES_FROM, DATES_UNTIL, closed="left")).then(value)


def checked_number(text: pl.Expr, decimal_comma: bool) -> pl.Expr:
    """A number from text with currency symbols, spaces, parentheses negatives and checked thousands."""
    cleaned = text.str.replace_all(_CURRENCY, "")
    negative = cleaned.str.starts_with("(") & cleaned.str.ends_with(")")
    cleaned = cleaned.str.strip_prefix("(").str.strip_suffix(")")
    if decimal_comma:
        valid = cleaned.str.contains(_NUMBER_COMMA)
        cleaned = cleaned.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    else:
        valid = cleaned.str.contains(_NUMBER_POINT)
        cleaned = cleaned.str.replace_all(",", "", literal=True)
    value = finite(pl.when(valid).then(cleaned.cast(pl.Float64, strict=False)))
    return pl.when(negative).then(-value).otherwise(value)


def parse_datetime(text: pl.Expr, fmt: str, timezone: str) -> pl.Expr:
    value = text.str.to_datetime(fmt, strict=False, time_unit="us")
    if _ZONED.search(fmt):
        value = value.dt.convert_time_zone(timezone).dt.replace_time_zone(None)
    return plausible_date(value)


def detect_date_format(sample: pl.Series, where: str) -> str:
    """The one format that reads every sampled value; an error when none does or day/month is ambiguous.

    `where` names the file and column for the message.
    """
    values = sample.drop_nulls().str.strip_chars()
    values = values.filter(values != "")
    if values.is_empty():
        return "%Y-%m-%d"  # nothing to read: any format gives the same all-null column
    fits = [f for f in DATE_FORMATS if values.str.to_datetime(f, strict=False).null_count() == 0]
    examples = ", ".join(repr(v) for v in values.head(3).to_list())
    if not fits:
        raise DataError(
            f"{where}: no single date format reads the sampled values (e.g. {examples}); "
            "set `format:` for this column, e.g. format: \"%d/%m/%Y %H:%M\""
        )
    parsed = {f: values.str.to_datetime(f, strict=False) for f in fits}
    first = parsed[fits[0]]
    if all(series.equals(first) for series in parsed.values()):
        return fits[0]
    raise DataError(
        f"{where}: the sampled dates (e.g. {examples}) fit both day-first and month-first formats "
        f"({' and '.join(fits[:2])}); set `format:` for this column to say which"
    )

"""Formats, value formatting and the shared writers: CSV, Markdown, Rich tables, atomic files."""

from __future__ import annotations

import csv
import io
import math
import os
import sys
from enum import Enum
from pathlib import Path

from crmctl.errors import OutputError
from crmctl.files.atomic import write_atomically
from crmctl.files.spreadsheet import FORMULA_PREFIX, neutralised
from crmctl.render.numbers import SIGNIFICANT_DIGITS, rounded
from crmctl.render.text import UNSAFE_PATTERN, json_text, literal, literal_lines, markdown_text
from crmctl.render.text_table import to_text  # noqa: F401  (imported from here by the renderers)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"
    html = "html"  # one self-contained page: tiles, charts, tables (crmctl[html])
    svg = "svg"  # one chart, for slides (crmctl[html])
    png = "png"


class Layout(str, Enum):
    auto = "auto"  # tables: wide when the metrics fit as columns, else turned (metrics as rows)
    long = "long"
    wide = "wide"


PICTURES = (Format.html, Format.svg, Format.png)


_UNIT_SUFFIX = {"ratio": "%", "count": "", "money": "", "months": "months", "days": "days", "hours": "hours", "seconds": "s",
                "score": ""}


def default_layout(fmt: Format) -> Layout:
    """Tables fit the screen (auto); Markdown is read by people (wide); CSV and JSON feed tools (tidy, long)."""
    if fmt == Format.table:
        return Layout.auto
    return Layout.wide if fmt == Format.markdown else Layout.long


def unsupported(fmt: Format, what: str, supported) -> None:
    """Picture formats exist for reports only; every other command says so instead of guessing."""
    from crmctl.errors import UsageError

    names = "|".join(f.value for f in supported)
    raise UsageError(f"--format {fmt.value} is not available for {what}: use --format {names}")


def json_rows(result, options) -> str:
    """A per-row result (customers, compare …) as one JSON document: {"meta": …, "rows": [...]}."""
    rows = [{k: jsonable(v) for k, v in r.items()} for r in result.rows.to_dicts()]
    return json_text({"meta": result.meta, "rows": rows})


def csv_rows(result, options) -> str:
    """A per-row result's rows as CSV (formula cells neutralised unless options.raw)."""
    return frame_csv(result.rows, options.raw)


def format_value(value, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "money":
        return f"{value:,.2f}"
    return f"{value:,.1f}"


def format_change(change, change_ratio, unit: str) -> str:
    if change is None:
        return ""
    if unit == "ratio":
        return f" ({change * 100:+.1f} pp)"
    return f" ({change_ratio * 100:+.1f}%)" if change_ratio is not None else ""


def header(metric, currency: str | None) -> str:
    suffix = currency if metric.unit == "money" and currency else _UNIT_SUFFIX[metric.unit]
    return f"{metric.title} ({suffix})" if suffix and suffix != "%" else (
        f"{metric.title} %" if suffix == "%" else metric.title)


def period_label(start, end, period: str) -> str:
    if start is None:
        return "snapshot"  # a status-flag export without dates
    if period == "month":
        return start.strftime("%Y-%m")
    if period in ("day", "week"):
        return start.isoformat()
    if period == "year" and start.month == 1:
        return str(start.year)
    if end is None:
        return start.isoformat()
    return f"{start:%Y-%m}..{end:%Y-%m}" if period in ("quarter", "year") else f"{start} – {end}"


def safe_cell(value):
    """A CSV cell that opens and prints safely: no formula a spreadsheet would run (files.spreadsheet), and
    control characters shown as escapes (render.text), since CSV on stdout reaches terminals too."""
    return literal_lines(neutralised(value)) if isinstance(value, str) else value


def jsonable(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


class Missed(str):
    """A formatted value that misses its target: red in a colour terminal, plain text elsewhere."""


def styled(cell: str, color: bool):
    if color and isinstance(cell, Missed):
        from rich.text import Text

        return Text(literal(cell), style="bold red")
    if color and type(cell).__name__ == "Dim":  # render.marks.Dim: a value from too small a sample
        from rich.text import Text

        return Text(literal(cell), style="dim")
    return cell


def segment_label(value) -> str:
    return "(none)" if value is None else literal(value)


def plain_number(value) -> str:
    return "" if value is None else f"{value:,.6g}"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(literal, value))
    return literal(value)


def csv_text(columns, records, raw: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # The csv module quotes a cell holding the line terminator (\n) but not a bare \r, which readers take
    # for a line end: a --raw row with one is written fully quoted.
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(columns)
    for record in records:
        cells = [_csv_cell(record.get(c)) for c in columns]
        cells = cells if raw else [safe_cell(c) for c in cells]
        (quoted if any(isinstance(c, str) and "\r" in c for c in cells) else writer).writerow(cells)
    return buffer.getvalue()


def frame_csv(frame, raw: bool) -> str:
    """csv_text of a frame's rows, the cells made column by column: the same text, without a dict per row
    and a type test per cell, which were most of `crmctl customers -f csv` (100k customers: 10.9 -> 5.8 s).
    A frame with a column of another type, or a bare \r in a text (csv_text quotes such a row whole),
    goes through csv_text itself."""
    import polars as pl

    columns = [_text_typed(frame[c]) for c in frame.columns]
    if not columns or any(c is None for c in columns) or any(
            c.dtype == pl.String and c.str.contains("\r", literal=True).any() for c in columns):
        return csv_text(frame.columns, frame.to_dicts(), raw)
    # Every cell is now its text: Polars writes them, quoting as the csv module does (a cell holding the
    # delimiter, a quote or \n; the bare \r it would treat otherwise went to csv_text above). Both quote an
    # empty cell alone on its row (""), but Polars quotes every empty text: beside others, they are nulls.
    texts = pl.DataFrame([c.alias(name) for name, c in zip(frame.columns, _csv_columns(columns, raw))])
    if texts.width > 1:
        texts = texts.select(pl.all().replace("", None))
    return texts.write_csv(quote_style="necessary", line_terminator="\n")


def _csv_columns(columns, raw: bool) -> list:
    """_csv_column of each column, as many at once as Polars has threads: Polars releases the GIL while it
    makes a column's texts, which are each column's cost (100k rows, 48 columns: 0.49 -> 0.29 s wall)."""
    from concurrent.futures import ThreadPoolExecutor

    import polars as pl

    with ThreadPoolExecutor(max_workers=pl.thread_pool_size()) as pool:
        return list(pool.map(lambda column: _csv_column(column, raw), columns))


def _text_typed(series):
    """The column as _csv_column takes it (categories as their text), None for a type it does not take."""
    import polars as pl

    if series.dtype == pl.Categorical or isinstance(series.dtype, pl.Enum):
        return series.cast(pl.String)
    known = series.dtype.is_float() or series.dtype.is_integer() or series.dtype in (
        pl.Boolean, pl.String, pl.Date, pl.Datetime("us"), pl.Datetime("ms"))  # naive datetimes: no zone
    return series if known else None


def _csv_column(series, raw: bool):
    """_csv_cell (then safe_cell unless raw) of each value, as a text Series, by Polars where its text is
    provably Python's: numbers never need safe_cell (a signed number is no formula), nor do ISO dates."""
    import polars as pl

    if series.dtype.is_float():
        return _patched(series, _float_texts(series), _csv_float)
    if series.dtype == pl.Boolean:  # str(True)
        return series.replace_strict({True: "True", False: "False"}, return_dtype=pl.String).fill_null("")
    if series.dtype.is_integer():
        return series.cast(pl.String).fill_null("")
    if series.dtype == pl.String:
        if raw:
            return series.fill_null("")
        # What safe_cell may change: a formula's first character (files.spreadsheet), or a control, bidi or
        # separator character (render.text); a text with neither is its own safe cell.
        unsafe = series.str.contains(UNSAFE_PATTERN)
        for prefix in FORMULA_PREFIX:
            unsafe |= series.str.starts_with(prefix)
        unsafe = unsafe.fill_null(False)
        return _patched(series, series.fill_null("").zip_with(~unsafe, pl.Series([None], dtype=pl.String)),
                        safe_cell)
    return _patched(series, _iso_texts(series), _csv_cell)


def _float_texts(series):
    """The text of each float as _csv_float writes it, null where Polars' text could differ from repr's (below
    1e-4, from 1e15: repr's exponents)."""
    import polars as pl

    # Rounded once, as _csv_float rounds (render/numbers.py): as an expression it was rounded again in
    # every branch below (three times the cost of the texts themselves).
    rounded = series.round_sig_figs(SIGNIFICANT_DIGITS)
    x = pl.col(series.name)
    whole = (x == x.floor()) & (x.abs() < 1e15)
    return rounded.to_frame().select(
        pl.when(x.is_null() | x.is_nan() | x.is_infinite()).then(pl.lit(""))
        .when(whole).then(x.cast(pl.Int64).cast(pl.String))
        .when(x.abs().is_between(1e-4, 1e15, closed="left")).then(x.cast(pl.String))
    ).to_series()


def _iso_texts(series):
    """isoformat() of each date or naive datetime ("" for null), null outside years 1000-9999 (isoformat pads
    the year, strftime may not). Python drops the microseconds when they are 0."""
    import polars as pl

    x = pl.col(series.name)
    day = "%Y-%m-%d"
    text = x.dt.to_string(day) if series.dtype == pl.Date else x.dt.to_string(f"{day}T%H:%M:%S") + _fraction(x)
    return series.to_frame().select(
        pl.when(x.is_null()).then(pl.lit("")).when(x.dt.year().is_between(1000, 9999)).then(text)).to_series()


def _fraction(x):
    """isoformat's ".ffffff" (chrono's %.6f), "" at 0 microseconds: from the integer, not a second strftime
    (both branches of a when are computed, and strftime is most of the cost)."""
    import polars as pl

    micro = x.dt.microsecond()
    return pl.when(micro == 0).then(pl.lit("")).otherwise(pl.lit(".") + micro.cast(pl.String).str.zfill(6))


def _patched(series, texts, convert):
    """texts, with `convert` of the value wherever texts is null."""
    missing = texts.is_null().arg_true()
    if not missing.len():
        return texts
    return texts.scatter(missing, [convert(series[at]) for at in missing.to_list()])


def _csv_float(value) -> str:
    if value is None or math.isnan(value) or math.isinf(value):
        return ""
    value = rounded(value)  # 12 significant digits (render/numbers.py)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ";".join(map(str, value))
    if isinstance(value, float):
        return _csv_float(value)
    return jsonable(value)


def markdown_table(columns, rows) -> str:
    lines = ["| " + " | ".join(markdown_text(c) for c in columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(markdown_text(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def render_records(columns: list[str], records: list[dict], fmt: Format, *, color: bool, width: int | None,
                   title: str | None = None, notes: list[str] = ()) -> str:
    if fmt == Format.json:
        return json_text(records)
    if fmt == Format.csv:
        return csv_text(columns, records, raw=False)
    if fmt in PICTURES:
        unsupported(fmt, title or "this command", (Format.table, Format.csv, Format.json, Format.markdown))
    text_rows = [{c: _text(r.get(c)) for c in columns} for r in records]
    if len(text_rows) == 1:  # one record (crmctl metrics NAME) reads better as field: value lines
        columns, text_rows = ["field", "value"], [{"field": c, "value": v} for c, v in text_rows[0].items()]
    if fmt == Format.markdown:
        return markdown_table(columns, text_rows)
    from crmctl.render.text_table import Column, TextTable, table_text

    table = TextTable([Column(c, wrap=True) for c in columns], [[r[c] for c in columns] for r in text_rows],
                      title=title or "")
    return table_text([table], color=color, width=width, notes=notes)


def write_output(text: str | bytes, output: Path | None) -> None:
    """To stdout, or to a file atomically: a temp file beside it, then a rename. Bytes (a PNG) go
    through stdout's binary buffer, but never to a terminal, where they would garble the screen."""
    if output is None:
        if isinstance(text, bytes):
            if sys.stdout.isatty():
                raise OutputError("--format png writes an image: add --output FILE.png or pipe it to a file")
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
            return
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    output = Path(output)
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"--output {output}: folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"--output {output}: cannot write in {folder}: Permission denied")
    try:
        write_atomically(output, text)
    except OSError as exc:
        raise OutputError(f"--output {output}: cannot write: {exc.strerror}") from None

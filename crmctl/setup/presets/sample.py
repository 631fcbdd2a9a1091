"""What a recognised export's first rows say: its date formats, decimal commas, JSON-in-a-cell columns,
and whether a preset's scale (Stripe's cents) fits the amounts. `crmctl init` writes these into the config."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from crmctl.domain.datasets import CANONICAL, WHITESPACE
from crmctl.errors import DataError
from crmctl.setup.presets.scoring import Verdict
from crmctl.read.sniff import sample_text

SAMPLE_ROWS = 500
# Timestamps as warehouses unload them, tried when no common format reads a column: BigQuery's
# "2024-01-05 10:12:00 UTC", Snowflake's "2024-01-05 10:12:00.000 Z", and Unix seconds (Airbyte's Stripe).
WAREHOUSE_FORMATS = ("%Y-%m-%d %H:%M:%S%.f UTC", "%Y-%m-%d %H:%M:%S%.f %#z", "%s")
_UNIX_SECONDS = r"^\d{9,10}$"  # 1973-03-03 … 2286-11-20: other integers are not taken for times
# Stripe's zero-decimal currencies: an amount of 500 JPY is 500, not 5.00 (stripe.com/docs/currencies).
ZERO_DECIMAL = ("BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF",
                "XOF", "XPF")


@dataclass
class Recognised:
    path: Path
    preset: dict
    delimiter: str
    encoding: str
    columns: dict[str, str]  # field -> header
    formats: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (format, comment)
    decimal_comma: set[str] = field(default_factory=set)
    scale: dict[str, float] = field(default_factory=dict)  # field -> the preset's scale, kept if the sample fits
    notes: dict[str, str] = field(default_factory=dict)  # field -> a comment decided from the files, not the preset
    dropped: dict[str, str] = field(default_factory=dict)  # field -> why it was left out
    unmapped: list[str] = field(default_factory=list)
    json_columns: list[str] = field(default_factory=list)  # unmapped columns whose cells hold JSON
    where: dict[str, list[str]] = field(default_factory=dict)  # rows that count (presets/filters.py)
    where_notes: list[str] = field(default_factory=list)  # what the sample showed, and the guesses made
    verdict: Verdict | None = None
    source: dict | None = None  # a database table (`init --url`): written as source: instead of path:
    headerless: bool = False  # the file has no header row: columns are column_1, column_2 …
    reason: str = ""  # why the file was taken for its dataset, when no preset's score says it

    @property
    def dataset(self) -> str:
        return self.preset["dataset"]


def json_columns(found: Recognised) -> list[str]:
    """Columns whose every sampled cell is a JSON object or list (Airbyte's nested fields), or nested
    Parquet types: crmctl does not reach inside them yet."""
    import polars as pl

    if found.path.suffix.lower() == ".parquet":
        schema = pl.scan_parquet(found.path).collect_schema()
        return [name for name, dtype in schema.items() if isinstance(dtype, (pl.Struct, pl.List, pl.Array))]
    sample = read_sample(found)
    nested = []
    for header in sample.columns:
        values = sample[header].drop_nulls().str.strip_chars()
        values = values.filter(values != "")
        if values.len() and values.str.contains(r"^(\{.*\}|\[.*\])$").all() and _parses(values):
            nested.append(header)
    return nested


def _parses(values) -> bool:
    try:
        for value in values.head(20):
            json.loads(value)
    except ValueError:
        return False
    return True


def read_sample(found: Recognised):
    """The first rows as text columns (Parquet: its flat columns, cast to text)."""
    import polars as pl

    if found.path.suffix.lower() == ".parquet":
        frame = pl.scan_parquet(found.path).head(SAMPLE_ROWS)
        flat = [n for n, t in frame.collect_schema().items() if not isinstance(t, (pl.Struct, pl.List, pl.Array))]
        return frame.select(pl.col(flat).cast(pl.String)).collect()
    text = sample_text(found.path, found.encoding)
    delimiter = found.delimiter
    if delimiter == WHITESPACE:  # as the reader does: a comma-separated copy, line for line
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(line.split() for line in text.splitlines())
        text, delimiter = buffer.getvalue(), ","
    frame = pl.read_csv(io.StringIO(text), separator=delimiter, infer_schema=False, n_rows=SAMPLE_ROWS,
                        truncate_ragged_lines=True, has_header=not found.headerless)
    # Polars numbers columns from 0; crmctl's names (read/sniff.py) count from 1, as people do.
    return frame.rename(lambda name: f"column_{int(name.split('_')[-1]) + 1}") if found.headerless else frame


def inspect_sample(found: Recognised) -> None:
    """Date formats and decimal commas from the first rows; fields that cannot be read are dropped."""

    from crmctl.read.cells import _NUMBER_COMMA, _NUMBER_POINT, detect_date_format

    if found.path.suffix.lower() == ".parquet":
        return
    sample = read_sample(found)
    canonical = CANONICAL[found.dataset]
    for fieldname, header in list(found.columns.items()):
        values = sample[header].drop_nulls().str.strip_chars()
        values = values.filter(values != "")
        kind = canonical.kind(fieldname)
        if kind == "datetime":
            _date_format(found, fieldname, header, values, detect_date_format)
        elif kind == "number" and values.len() and fieldname not in (found.preset.get("values") or {}):
            cleaned = values.str.replace_all(r"[\s\u00a0$€£¥₹()]", "")
            if cleaned.str.contains(_NUMBER_COMMA).all() and not cleaned.str.contains(_NUMBER_POINT).all():
                found.decimal_comma.add(fieldname)
            if fieldname in found.scale:
                _check_scale(found, fieldname, header, values, sample)


def _check_scale(found: Recognised, fieldname: str, header: str, values, sample) -> None:
    """A preset's scale (Stripe's cents) is kept only when the sample looks like it: amounts with
    fractions were converted already, and zero-decimal currencies (JPY …) have no cents."""
    currency = found.columns.get("currency")
    codes = set(sample[currency].drop_nulls().str.to_uppercase()) if currency else set()
    if codes and codes <= set(ZERO_DECIMAL):
        why = f"the sampled currencies ({', '.join(sorted(codes))}) have no minor unit"
    elif values.str.contains(r"\.\d*[1-9]").any():
        why = "the sampled amounts have fractions, so they are not in cents"
    else:
        found.notes[fieldname] = "Stripe amounts are in cents: scale 0.01 reads them in major units"
        return
    del found.scale[fieldname]
    found.notes[fieldname] = f"CHECK: not scaled: {why} (column {header!r})"


def _date_format(found: Recognised, fieldname: str, header: str, values, detect) -> None:
    declared = (found.preset.get("formats") or {}).get(fieldname)
    if declared:
        found.formats[fieldname] = (declared, f"the {found.preset['name']} format")
        return
    try:
        found.formats[fieldname] = (detect(values, header), f"detected from {min(values.len(), SAMPLE_ROWS)} values")
    except DataError as error:
        if "fit both" in error.message:
            fits = re.findall(r"\((%[^ ]+) and (%[^ )]+)\)", error.message)
            guess = fits[0][0] if fits else "%m/%d/%Y"
            found.formats[fieldname] = (guess, "GUESS: day and month are ambiguous in the sample; check it")
        elif (fmt := _warehouse_format(values)) is not None:
            found.formats[fieldname] = (fmt, _warehouse_note(fmt))
        else:
            del found.columns[fieldname]
            found.dropped[fieldname] = f"column {header!r}: no date format reads its values"
    if not set(CANONICAL[found.dataset].required) <= CANONICAL[found.dataset].provided(found.columns):
        found.dropped.setdefault("(dataset)", "a required field could not be read")


def _warehouse_format(values) -> str | None:
    for fmt in WAREHOUSE_FORMATS:
        if fmt == "%s" and not values.str.contains(_UNIX_SECONDS).all():
            continue
        if values.str.to_datetime(fmt, strict=False).null_count() == 0:
            return fmt
    return None


def _warehouse_note(fmt: str) -> str:
    if fmt == "%s":
        return "Unix seconds, i.e. UTC: keep timezone: UTC"
    return "detected: a warehouse timestamp" + ("; UTC: keep timezone: UTC" if "UTC" in fmt else "")

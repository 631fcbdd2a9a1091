"""Per-row data quality of a dataset, taken before any row is skipped or filtered.

A row is valid when every mapped cell converts, its required fields are present, its id is unique
in the dataset, and none of its dates lies in the future or before 1990 (implausible in a CRM).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from crmctl.domain.datasets import CANONICAL

PLAUSIBLE_FROM = dt.datetime(1990, 1, 1)


def quality_frame(name: str, columns, df: pl.DataFrame, now: dt.datetime | None = None) -> pl.DataFrame:
    """One row per source row: _file, _row, _time, _valid, _duplicate, _implausible (a date in the future or
    before 1990) and _has_<field> (the cell had a value)."""
    canonical = CANONICAL[name]
    now = now or dt.datetime.now()
    fields = [c.field for c in columns]
    present = {f: pl.col(f).is_not_null() | pl.col(f"_bad_{f}") for f in fields}
    parsed = ~pl.any_horizontal([pl.col(f"_bad_{f}") for f in fields]) if fields else pl.lit(True)
    required = pl.all_horizontal([pl.col(f).is_not_null() for f in canonical.required if f in fields] or [pl.lit(True)])
    dates = [f for f in fields if canonical.kind(f) == "datetime"]
    plausible = pl.all_horizontal(
        [pl.col(f).is_null() | pl.col(f).is_between(PLAUSIBLE_FROM, now) for f in dates] or [pl.lit(True)])
    key = canonical.id_field
    duplicate = pl.col(key).is_duplicated() & pl.col(key).is_not_null() if key in fields else pl.lit(False)
    time = pl.col(canonical.time_field) if canonical.time_field in fields else pl.lit(None, pl.Datetime("us"))
    return df.select(
        "_file", "_row", _time=time, _duplicate=duplicate, _implausible=~plausible,
        _valid=parsed & required & plausible & ~duplicate,
        **{f"_has_{f}": expr for f, expr in present.items()},
    )

"""A report's rows against the config's targets and benchmarks: each row's status (met, missed, or none), and
each benchmark's value, gap and ratio beside the row's value (config/targets.py parses both sections)."""

from __future__ import annotations

from typing import Mapping

from crmctl.config.targets import Target, segment_key


def mark(rows, targets: Mapping[str, Target], by) -> list[str | None]:
    """The target status of each report row: met, missed, or None (no target or no value)."""
    statuses = []
    for row in rows.iter_rows(named=True):
        target = targets.get(row["metric"])
        statuses.append(target.for_segment(segment_key(row, by)).status(row["value"]) if target else None)
    return statuses


def benchmark_columns(rows, benchmarks: Mapping[str, Mapping[str, float]]):
    """Adds benchmark_<name>, gap_<name> (value − benchmark) and ratio_<name> (value ÷ benchmark)."""
    import polars as pl

    names = sorted({n for refs in benchmarks.values() for n in refs})
    for name in names:
        reference = pl.col("metric").replace_strict(
            {m: refs[name] for m, refs in benchmarks.items() if name in refs}, default=None, return_dtype=pl.Float64)
        rows = rows.with_columns(reference.alias(f"benchmark_{name}")).with_columns(
            (pl.col("value") - pl.col(f"benchmark_{name}")).alias(f"gap_{name}"),
            pl.when(pl.col(f"benchmark_{name}") != 0).then(pl.col("value") / pl.col(f"benchmark_{name}"))
            .alias(f"ratio_{name}"),
        )
    return rows

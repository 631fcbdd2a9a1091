"""The baselines benchmarks/run.py times, each run in its own process.

    python benchmarks/workers.py floor CONFIG         Polars read floor with crmctl's validating conversion
    python benchmarks/workers.py floor_plain CONFIG   Polars read floor: same formats, plain casts
    python benchmarks/workers.py duckdb CONFIG        the DuckDB SQL subset (duckdb_sql.py)
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from crmctl.config import load_config
from crmctl.read.cells import blank_to_null, convert
from crmctl.metrics.catalogue import registry
from crmctl.report.plan import plan_report
from crmctl.report.build import with_overrides
from crmctl.read.sniff import sniff


def floor(config_path: str, checked: bool = True) -> None:
    """Scan exactly the columns the report reads and type them, then count nulls.

    checked: with crmctl's own conversion (validation included); else the plain floor: dates with the
    same formats, numbers by a plain cast, text as it is.
    """
    config = load_config(config_path)
    spec = with_overrides(config.report, metrics=tuple(registry(config)), by=("segment",), period="month")
    plan = plan_report(config, spec)
    frames = []
    for name, fields in plan.fields.items():
        dataset = config.datasets[name]
        columns = [c for f, c in dataset.columns.items() if f in fields]
        for path in dataset.paths:
            shape = sniff(path, dataset.delimiter)
            lf = pl.scan_csv(path, separator=shape.delimiter, infer_schema=False)
            if checked:  # staged as crmctl stages it: trimmed text once, then conversions of that text
                texts = lf.select(pl.col(c.column).str.strip_chars().alias(c.field) for c in columns).with_columns(
                    blank_to_null(pl.col(c.field)) for c in columns)
                typed = texts.select(_checked(pl.col(c.field), c, config, lf).alias(c.field) for c in columns)
            else:
                typed = lf.select([_plain(pl.col(c.column), c, config, lf).alias(c.field) for c in columns])
            frames.append(typed.select(pl.all().null_count()))
    pl.collect_all(frames, engine="streaming")


def _checked(text: pl.Expr, column, config, lf) -> pl.Expr:
    return convert(text, column, config.timezone, column.format or _format(lf, column))


def _plain(raw: pl.Expr, column, config, lf) -> pl.Expr:
    if column.kind == "datetime":
        return raw.str.to_datetime(column.format or _format(lf, column), strict=False)
    if column.kind == "number":
        return raw.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)
    return raw


def _format(lf: pl.LazyFrame, column) -> str | None:
    if column.kind != "datetime":
        return None
    from crmctl.read.cells import detect_date_format

    return detect_date_format(lf.select(pl.col(column.column)).head(1000).collect().to_series(), column.column)


def duckdb_subset(config_path: str) -> None:
    import duckdb

    from duckdb_sql import statements

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    for index, statement in enumerate(statements(load_config(config_path))):
        if statement.startswith(("SELECT", "WITH")):  # materialised, as crmctl materialises its result
            statement = f"CREATE TEMP TABLE result_{index} AS {statement}"
        con.execute(statement)


if __name__ == "__main__":
    jobs = {"floor": floor, "floor_plain": lambda path: floor(path, checked=False), "duckdb": duckdb_subset}
    jobs[sys.argv[1]](sys.argv[2])

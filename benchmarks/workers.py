"""The baselines benchmarks/run.py times, each run in its own process.

    python benchmarks/workers.py floor CONFIG         Polars read floor with crmctl's validating conversion
    python benchmarks/workers.py floor_plain CONFIG   Polars read floor: same formats, plain casts
    python benchmarks/workers.py duckdb CONFIG   the DuckDB SQL subset
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


SQL = """
CREATE TEMP TABLE customers AS SELECT "Record ID" AS id, "Customer Tier" AS segment
  FROM read_csv('{d}/customers.csv', all_varchar=true);
CREATE TEMP TABLE orders AS SELECT o."Contact ID" AS customer,
    date_trunc('month', strptime(o."Order Date", '%Y-%m-%d %H:%M:%S')) AS month,
    CAST(replace(o."Total Amount", ',', '') AS DOUBLE) AS amount
  FROM read_csv('{d}/orders.csv', all_varchar=true) o WHERE o."Status" IN ('paid', 'completed');
SELECT month, c.segment, sum(amount), count(*), sum(amount) / count(*)
  FROM orders o LEFT JOIN customers c ON c.id = o.customer GROUP BY ALL;
CREATE TEMP TABLE subs AS SELECT customer, CAST(start_date AS TIMESTAMP) AS s, CAST(ended_at AS TIMESTAMP) AS e
  FROM read_csv('{d}/subscriptions.csv', all_varchar=true);
WITH months AS (SELECT DISTINCT month FROM orders)
SELECT m.month, c.segment, count(DISTINCT subs.customer)
  FROM months m JOIN subs ON subs.s < m.month + INTERVAL 1 MONTH
   AND coalesce(subs.e, TIMESTAMP '9999-01-01') >= m.month + INTERVAL 1 MONTH
  LEFT JOIN customers c ON c.id = subs.customer GROUP BY ALL;
SELECT date_trunc('month', strptime("Submitted", '%d/%m/%Y %H:%M')) AS month, c.segment,
    100.0 * (count(*) FILTER (WHERE "Survey" = 'NPS' AND v >= 9) - count(*) FILTER (WHERE "Survey" = 'NPS' AND v <= 6))
      / count(*) FILTER (WHERE "Survey" = 'NPS') AS nps,
    count(*) FILTER (WHERE "Survey" = 'CSAT' AND v >= 4) / count(*) FILTER (WHERE "Survey" = 'CSAT') AS csat
  FROM (SELECT *, CAST("Score" AS DOUBLE) AS v FROM read_csv('{d}/surveys.csv', all_varchar=true)) s
  LEFT JOIN customers c ON c.id = s."Customer" GROUP BY ALL;
SELECT date_trunc('month', CAST("Created at" AS TIMESTAMPTZ)) AS month, c.segment, count(*) AS volume,
    count(*) FILTER (WHERE "Solved at" IS NOT NULL AND "Replies" = '1')
      / nullif(count(*) FILTER (WHERE "Solved at" IS NOT NULL AND "Replies" <> '0'), 0) AS fcr,
    avg(epoch(CAST("Solved at" AS TIMESTAMPTZ) - CAST("Created at" AS TIMESTAMPTZ)) / 3600) AS hours
  FROM read_csv('{d}/tickets.csv', all_varchar=true) t LEFT JOIN customers c ON c.id = t."Requester external id"
  GROUP BY ALL;
"""


def duckdb_subset(config_path: str) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    for index, statement in enumerate(SQL.format(d=Path(config_path).parent).split(";")):
        statement = statement.strip()
        if statement.startswith(("SELECT", "WITH")):  # materialised, as crmctl materialises its result
            statement = f"CREATE TEMP TABLE result_{index} AS {statement}"
        if statement:
            con.execute(statement)


if __name__ == "__main__":
    jobs = {"floor": floor, "floor_plain": lambda path: floor(path, checked=False), "duckdb": duckdb_subset}
    jobs[sys.argv[1]](sys.argv[2])

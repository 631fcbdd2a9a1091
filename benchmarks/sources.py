"""Time one report over the same orders from CSV, Parquet, a Hive-partitioned folder, SQLite, DuckDB and
PostgreSQL (docs/scale.md quotes the results).

    python benchmarks/sources.py --orders 1000000

Generates N orders (deterministic), loads them into each store, then runs
`crmctl report -m revenue,orders,average_order_value --period month -f csv` once per source in its own
process under /usr/bin/time, and prints the wall time and peak RSS of each, and whether every report
is byte-identical to the CSV one. PostgreSQL is a private server from Debian's binaries on 127.0.0.1
(tests/postgres_server.py). Needs `pip install -e '.[test]'`.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from postgres_server import adbc_executor, running_server  # noqa: E402

COLUMNS = "columns: {order_id: order_id, customer_id: customer_id, ordered_at: ordered_at, amount: amount, status: status}"
CONFIG = "version: 1\ndatasets:\n  orders:\n    {where}\n    " + COLUMNS.replace("{", "{{").replace("}", "}}") + "\n    where: {{status: [paid]}}\n"
TYPES = {"order_id": "TEXT", "customer_id": "TEXT", "ordered_at": "TIMESTAMP", "amount": "NUMERIC(12, 2)",
         "status": "TEXT"}


def orders(n: int) -> pl.DataFrame:
    frame = pl.DataFrame({"i": pl.int_range(n, eager=True)})
    return frame.select(
        order_id=pl.lit("o") + pl.col("i").cast(pl.String),
        customer_id=pl.lit("c") + (pl.col("i") * 7919 % max(n // 4, 1)).cast(pl.String),
        ordered_at=(pl.datetime(2022, 1, 1) + pl.duration(seconds=pl.col("i") * 94_608_000 // n))
        .dt.strftime("%Y-%m-%d %H:%M:%S"),
        amount=((pl.col("i") * 104_729 % 100_000) / 100).round(2).cast(pl.String),
        status=pl.when(pl.col("i") % 10 == 0).then(pl.lit("refunded")).otherwise(pl.lit("paid")),
    )


def load_sql(execute, frame: pl.DataFrame, chunk: int = 5000) -> None:
    execute("CREATE TABLE orders (" + ", ".join(f"{c} {t}" for c, t in TYPES.items()) + ")")
    for start in range(0, frame.height, chunk):
        rows = ", ".join("(" + ", ".join(f"'{v}'" for v in row) + ")" for row in frame.slice(start, chunk).iter_rows())
        execute(f"INSERT INTO orders VALUES {rows}")


def adbc_load(database, frame: pl.DataFrame) -> None:
    connection, execute = adbc_executor(database)
    load_sql(execute, frame)
    connection.close()
    database.close()


# The last quarter of the orders' three years: a database is asked for those months alone (report/pushdown.py).
WINDOW = ("--from", "2024-10-01", "--to", "2024-12-31")


def timed(config: Path, *window: str) -> tuple[float, int, str]:
    crmctl = Path(sys.executable).parent / "crmctl"
    with tempfile.NamedTemporaryFile("r") as stats:
        done = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", stats.name, str(crmctl), "report", "-c",
                               str(config), "-m", "revenue,orders,average_order_value", "--period", "month",
                               *window, "-f", "csv"], capture_output=True, text=True,
                              env={**os.environ, "NO_COLOR": "1"})
        if done.returncode:
            raise SystemExit(f"{config.name}: {done.stderr}")
        seconds, kilobytes = stats.read().split()
    return float(seconds), int(kilobytes) // 1024, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    n = parser.parse_args().orders
    import adbc_driver_duckdb
    import adbc_driver_postgresql

    with tempfile.TemporaryDirectory(prefix="crmctl-bench-") as scratch, running_server() as (url, _):
        root = Path(scratch)
        frame = orders(n)
        frame.write_csv(root / "orders.csv")
        typed = frame.with_columns(pl.col("ordered_at").str.to_datetime("%Y-%m-%d %H:%M:%S"),
                                   pl.col("amount").cast(pl.Float64))
        typed.write_parquet(root / "orders.parquet")
        for (status,), part in typed.partition_by("status", as_dict=True).items():
            (root / "parts" / f"status={status}").mkdir(parents=True)
            part.drop("status").write_parquet(root / "parts" / f"status={status}" / "part-0.parquet")
        with sqlite3.connect(root / "orders.sqlite") as db:
            db.execute("CREATE TABLE orders (" + ", ".join(f"{c} {t}" for c, t in TYPES.items()) + ")")
            db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", frame.iter_rows())
        adbc_load(adbc_driver_duckdb.connect(str(root / "orders.duckdb")), frame)
        adbc_load(adbc_driver_postgresql.connect(url), frame)
        sources = {"csv": "path: orders.csv", "parquet": "path: orders.parquet", "hive folder": "path: parts/",
                   "sqlite": 'source: {url: "sqlite:///orders.sqlite", table: orders}',
                   "duckdb": 'source: {url: "duckdb:///orders.duckdb", table: orders}',
                   "postgresql": f'source: {{url: "{url}", table: orders}}'}
        reports, windowed = {}, {}
        print(f"{n:,} orders; seconds and peak RSS of one `crmctl report` (3 metrics, monthly), all of it and "
              f"{' '.join(WINDOW)}")
        for name, where in sources.items():
            config = root / f"{name.replace(' ', '_')}.yaml"
            config.write_text(CONFIG.format(where=where))
            seconds, megabytes, reports[name] = timed(config)
            narrow, narrow_mb, windowed[name] = timed(config, *WINDOW)
            same = "same" if (reports[name], windowed[name]) == (reports["csv"], windowed["csv"]) else "DIFFERENT"
            print(f"  {name:12} {seconds:6.2f} s  {megabytes:6,} MB   window {narrow:6.2f} s  {narrow_mb:6,} MB  "
                  f"{same} as CSV")


if __name__ == "__main__":
    main()

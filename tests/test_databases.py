"""Datasets read from databases (`source:`): the same rows give byte-identical reports from CSV, Parquet,
SQLite, DuckDB and a real PostgreSQL server, and every way a database can fail says so without a traceback
or the password."""

from __future__ import annotations

import textwrap

import polars as pl
import pytest

from postgres_server import PASSWORD, running_server
from conftest import ROOT

# The sample data's customers and orders, typed as a warehouse holds them: amounts as numeric (the CSV's
# "1,146.54" is 1146.54), dates as timestamps, which the databases print back in their own way
# ("2025-02-25 10:25:00" where the CSV says "2025-02-25 10:25"): the sampled date format reads both.
TABLES = {
    "customers": {"Record ID": "TEXT", "Create Date": "TIMESTAMP", "Customer Tier": "TEXT", "Region": "TEXT"},
    "orders": {"Order Number": "TEXT", "Contact ID": "TEXT", "Order Date": "TIMESTAMP",
               "Total Amount": "NUMERIC(12, 2)", "Cost": "NUMERIC(12, 2)", "Status": "TEXT"},
}
COLUMNS = """
  customers:
    {customers}
    columns: {{customer_id: Record ID, created_at: Create Date, segment: Customer Tier, region: Region}}
  orders:
    {orders}
    columns:
      order_id: Order Number
      customer_id: Contact ID
      ordered_at: Order Date
      amount: Total Amount
      cost: Cost
      status: Status
    where: {{status: [paid, completed]}}
"""
REPORT = ["report", "--format", "csv", "--from", "2024-01-01", "--to", "2024-12-31", "--metrics",
          "revenue,orders,average_order_value,new_customers,gross_profit", "--by", "segment"]


def sample(name: str) -> pl.DataFrame:
    frame = pl.read_csv(ROOT / "sample_data" / f"{name}.csv", infer_schema=False).select(list(TABLES[name]))
    return frame.with_columns(pl.col(c).str.replace_all(",", "") for c, t in TABLES[name].items() if "NUMERIC" in t)


def literal(value: str | None) -> str:
    return "NULL" if value is None or value == "" else "'" + value.replace("'", "''") + "'"


def create(execute, name: str, frame: pl.DataFrame, types: dict[str, str], schema: str | None = None) -> None:
    """The table through plain SQL, so the test's loading is independent of crmctl's reading."""
    table = f'{schema}."{name}"' if schema else f'"{name}"'
    execute(f"CREATE TABLE {table} ({', '.join(f'{chr(34)}{c}{chr(34)} {t}' for c, t in types.items())})")
    for start in range(0, frame.height, 500):
        rows = ", ".join("(" + ", ".join(literal(v) for v in row) + ")"
                         for row in frame.slice(start, 500).iter_rows())
        execute(f"INSERT INTO {table} VALUES {rows}")


def adbc_executor(database):
    """Runs statements through a fresh ADBC connection (autocommit) on `database`."""
    import adbc_driver_manager

    connection = adbc_driver_manager.AdbcConnection(database)

    def execute(sql: str) -> None:
        statement = adbc_driver_manager.AdbcStatement(connection)
        statement.set_sql_query(sql)
        statement.execute_update()
        statement.close()

    return connection, execute


def load_tables(database, schema: str | None = None, extra=()) -> None:
    connection, execute = adbc_executor(database)
    if schema:
        execute(f"CREATE SCHEMA {schema}")
    for name, types in TABLES.items():
        create(execute, name, sample(name), types, schema)
    for sql in extra:
        execute(sql)
    connection.close()
    database.close()


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server with the sample's customers and orders in schema `shop`."""
    import adbc_driver_postgresql

    with running_server() as (url, port):
        load_tables(adbc_driver_postgresql.connect(url), "shop")
        yield url, port


def source(url: str, table: str) -> str:
    return f'source: {{url: "{url}", table: {table}}}'


def write(project, name: str, customers: str, orders: str) -> str:
    project.file(name, "version: 1\ndatasets:" + textwrap.indent(
        COLUMNS.format(customers=customers, orders=orders), "  ").replace("\n  \n", "\n\n"))
    return name


def test_every_source_gives_the_same_report_byte_for_byte(project, cli, postgres, monkeypatch):
    import adbc_driver_sqlite
    import adbc_driver_duckdb

    url, port = postgres
    for name in TABLES:
        sample(name).write_csv(project.root / f"{name}.csv")
        typed = sample(name).with_columns(
            [pl.col(c).str.to_datetime("%Y-%m-%d %H:%M:%S" if name == "orders" else "%Y-%m-%d %H:%M")
             for c, t in TABLES[name].items() if t == "TIMESTAMP"]
            + [pl.col(c).cast(pl.Float64) for c, t in TABLES[name].items() if "NUMERIC" in t])
        typed.write_parquet(project.root / f"{name}.parquet")
    load_tables(adbc_driver_sqlite.connect(str(project.root / "crm.sqlite")))
    load_tables(adbc_driver_duckdb.connect(str(project.root / "crm.duckdb")))
    monkeypatch.setenv("CRM_PG_PASSWORD", PASSWORD)
    pg = f"postgresql://crm:${{CRM_PG_PASSWORD}}@127.0.0.1:{port}/postgres"
    configs = {
        "csv": write(project, "csv.yaml", "path: customers.csv", "path: orders.csv"),
        "parquet": write(project, "parquet.yaml", "path: customers.parquet", "path: orders.parquet"),
        "sqlite": write(project, "sqlite.yaml", source("sqlite:///crm.sqlite", "customers"),
                        source("sqlite:///crm.sqlite", "orders")),
        "duckdb": write(project, "duckdb.yaml", source("duckdb:///crm.duckdb", "customers"),
                        source("duckdb:///crm.duckdb", "orders")),
        "postgresql": write(project, "pg.yaml", source(pg, "shop.customers"), source(pg, "shop.orders")),
    }
    reports = {}
    for kind, config in configs.items():
        result = cli(*REPORT, "-c", str(project.root / config))
        assert result.exit_code == 0, (kind, result.stderr)
        reports[kind] = result.stdout
    assert reports["csv"].count("\n") > 40  # 12 months x segments x metrics: a real report, not an empty one
    for kind, text in reports.items():
        assert text == reports["csv"], kind
    assert PASSWORD not in "".join(reports.values())


def orders_only(project, source_text: str) -> str:
    project.file("db.yaml", textwrap.dedent(f"""
        version: 1
        datasets:
          orders:
            {source_text}
            columns: {{order_id: Order Number, customer_id: Contact ID, ordered_at: Order Date, amount: Total Amount}}
    """))
    return str(project.root / "db.yaml")


@pytest.mark.parametrize("kind", ["refused", "password", "table", "query", "column", "variable", "scheme"])
def test_a_failing_database_says_what_failed_with_its_exit_code_and_no_password(project, cli, postgres, kind):
    from postgres_server import free_port

    url, port = postgres
    cases = {  # kind -> (source, exit code, what the message says)
        "refused": (source(url.replace(str(port), str(free_port())), "shop.orders"), 4, "cannot connect"),
        "password": (source(url.replace(PASSWORD, "wrong-Pa55"), "shop.orders"), 4, "password authentication"),
        "table": (source(url, "shop.ordres"), 4, 'relation "shop.ordres" does not exist'),
        "query": (f'source: {{url: "{url}", query: "select * from shop.orders where"}}', 4, "syntax error"),
        "column": (source(url, "shop.customers"), 4, "columns.order_id: column 'Order Number' is not there"),
        "variable": ('source: {url: "postgresql://crm:${CRMCTL_NO_SUCH_VARIABLE}@127.0.0.1/crm", table: t}', 3,
                     "CRMCTL_NO_SUCH_VARIABLE is not set"),
        "scheme": ('source: {url: "mysql://crm:hunter22@127.0.0.1/crm", table: t}', 3, "not a database URL"),
    }
    text, code, says = cases[kind]
    result = cli("report", "--format", "csv", "-c", orders_only(project, text))
    assert result.exit_code == code, result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert PASSWORD not in result.stderr and "wrong-Pa55" not in result.stderr and "hunter22" not in result.stderr

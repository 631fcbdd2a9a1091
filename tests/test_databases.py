"""Datasets read from databases (`source:`): the same rows give byte-identical reports from CSV, Parquet,
SQLite, DuckDB and a real PostgreSQL server, and every way a database can fail says so without a traceback
or the password."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postgres_server import PASSWORD, adbc_executor, running_server
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
    monkeypatch.setenv("CRM_DUCKDB_URL", f"duckdb:///{project.root}/crm.duckdb")  # four slashes: absolute
    pg = f"postgresql://crm:${{CRM_PG_PASSWORD}}@127.0.0.1:{port}/postgres"
    configs = {
        "csv": write(project, "csv.yaml", "path: customers.csv", "path: orders.csv"),
        "parquet": write(project, "parquet.yaml", "path: customers.parquet", "path: orders.parquet"),
        "sqlite": write(project, "sqlite.yaml", source("sqlite:///crm.sqlite", "customers"),
                        source("sqlite:///crm.sqlite", "orders")),
        "duckdb": write(project, "duckdb.yaml", "source: {url_env: CRM_DUCKDB_URL, table: customers}",
                        "source: {url_env: CRM_DUCKDB_URL, table: orders}"),
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


def test_postgresql_reads_the_window_alone_and_gives_the_csv_report(project, cli, postgres, monkeypatch):
    # Orders counted by month alone: PostgreSQL is asked for the window's months (and the one before, for the
    # growth) and keeps the rest, which the JSON meta counts; the report is the CSV export's, byte for byte.
    url, port = postgres
    for name in TABLES:
        sample(name).write_csv(project.root / f"{name}.csv")
    monkeypatch.setenv("CRM_PG_PASSWORD", PASSWORD)
    pg = f"postgresql://crm:${{CRM_PG_PASSWORD}}@127.0.0.1:{port}/postgres"
    configs = [write(project, "csv.yaml", "path: customers.csv", "path: orders.csv"),
               write(project, "pg.yaml", source(pg, "shop.customers"), source(pg, "shop.orders"))]
    window = ["--from", "2025-02-01", "--to", "2025-03-31", "-m", "revenue,orders,average_order_value,sales_growth",
              "--by", "segment"]
    csv, database = (cli("report", "-f", "csv", *window, "-c", str(project.root / c)) for c in configs)
    assert database.exit_code == 0, database.stderr
    assert database.stdout == csv.stdout and csv.stdout.count("\n") > 20
    orders = cli("report", "-f", "json", *window, "-c", str(project.root / configs[1])).json()["meta"]["datasets"]["orders"]
    dates = sample("orders")["Order Date"].str.to_datetime("%Y-%m-%d %H:%M:%S")
    inside = dates.is_between(dt.datetime(2024, 12, 30), dt.datetime(2025, 4, 3), closed="left")
    assert orders["pushed_down"]["rows_left_in_database"] == (~inside).sum() > 1000
    assert orders["rows_read"] == inside.sum()
    assert PASSWORD not in orders["pushed_down"]["where"]
    # --last alone: PostgreSQL is asked for the orders' last day first, then for the months counted back from it.
    latest = ["--last", "2m", "-m", "revenue,orders", "-f", "csv"]
    csv, database = (cli("report", *latest, "-c", str(project.root / c)) for c in configs)
    assert database.stdout == csv.stdout and "2025-05-01" in csv.stdout and "2025-04-01" not in csv.stdout
    meta = cli("report", *latest[:-1], "json", "-c", str(project.root / configs[1])).json()["meta"]
    assert meta["datasets"]["orders"]["pushed_down"]["rows_left_in_database"] > 1000


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


def test_validate_names_the_table_row_and_value_that_do_not_convert(project, cli):
    import sqlite3

    with sqlite3.connect(project.root / "crm.db") as db:  # SQLite keeps any value in any column, as exports do
        db.execute("CREATE TABLE orders (id TEXT, cust TEXT, at TEXT, total REAL, unmapped TEXT)")
        db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", [
            ("o1", "c1", "2024-01-05 10:00:00", 10.5, "x"), ("o2", "c2", "2024-01-06 10:00:00", "abc", "y"),
            (None, "c3", "2024-01-07 10:00:00", 3, "z"), ("o4", "c4", "notadate", 4, "w"),
            ("o5", "c5", "2024-01-08 10:00:00", "NA", "w")])
    project.config("""
        datasets:
          orders:
            source: {url: "sqlite:///crm.db", query: "select * from orders where cust <> 'c5' order by id"}
            max_invalid_ratio: 1
            columns: {order_id: id, customer_id: cust, ordered_at: {column: at, format: "%Y-%m-%d %H:%M:%S"},
                      amount: total}
    """)
    result = cli("validate", "--format", "json")
    assert result.exit_code == 0, result.stderr
    orders = result.json()["datasets"]["orders"]
    assert (orders["rows_read"], orders["rows_used"], orders["rows_skipped"]) == (4, 1, 3)
    assert orders["fields"]["amount"] == {"completeness": 1.0, "parse_rate": 0.75, "invalid": 1}
    assert orders["fields"]["order_id"]["completeness"] == 0.75  # SQL NULL sorts first: row 1
    found = {(f["message"], tuple(f["rows"]), tuple(f["examples"])) for f in result.json()["findings"]}
    assert ("1 values of amount do not parse or are out of range", (3,), ("abc",)) in found
    assert ("1 values of ordered_at do not parse or are out of range", (4,), ("notadate",)) in found


def test_null_values_mean_no_value_as_in_a_csv(project):
    import sqlite3

    from crmctl.read.load import load_dataset

    with sqlite3.connect(project.root / "crm.db") as db:
        db.execute("CREATE TABLE t (id TEXT, at TEXT, amount TEXT)")
        db.executemany("INSERT INTO t VALUES (?, ?, ?)", [
            ("a", "2024-01-01", "NA"), ("b", "2024-01-02", " 7 "), ("c", "2024-01-03", None), ("d", "2024-01-04", "-")])
    config = project.load("""
        datasets:
          orders:
            source: {url: "sqlite:///crm.db", table: t}
            columns: {order_id: id, customer_id: id, ordered_at: at, amount: amount}
    """)
    before = (project.root / "crm.db").read_bytes()
    loaded = load_dataset(config.datasets["orders"])
    assert (project.root / "crm.db").read_bytes() == before and sorted(p.name for p in project.root.iterdir()) == [
        "crm.db", "crmctl.yaml"]  # opened read-only: no journal, no change
    assert loaded.invalid == {}  # "NA" and "-" are null_values: missing, not invalid, as in a CSV
    assert (loaded.rows_read, loaded.rows_skipped) == (4, 3)
    assert loaded.frame["amount"].to_list() == [7.0]


@pytest.mark.parametrize("body, says", [
    ('path: o.csv\n    source: {url: "sqlite:///x.db", table: t}', "give path (files) or source (a database), not both"),
    ('source: {url: "sqlite:///x.db"}', "give one of table (e.g. shopify.order) or query"),
    ('source: {url: "sqlite:///x.db", table: t, query: "select 1"}', "give one of table"),
    ('source: {table: t}', "give one of url"),
    ('source: {url: "sqlite:///x.db", table: "t; drop table t"}', "is not a table name"),
    ('source: {url: "sqlite:///x.db", tabel: t}', "tabel"),
])
def test_a_source_is_checked_when_the_config_is_read(project, body, says):
    from crmctl.errors import ConfigError

    with pytest.raises(ConfigError) as raised:
        project.load("datasets:\n  orders:\n    " + body + "\n    columns: {order_id: a, customer_id: b, ordered_at: c, "
                     "amount: d}\n")
    assert says in str(raised.value)


@pytest.mark.parametrize("text, shown", [
    ("postgresql://crm:s3cret@db:5432/crm", "postgresql://***@db:5432/crm"),
    ("connection to postgres://u@h failed", "connection to postgres://***@h failed"),
    ("host=db password=s3cret user=crm", "host=db password=*** user=crm"),
    ("auth failed for s3cret", "auth failed for ***"),
])
def test_redact_hides_passwords_however_a_message_holds_them(text, shown):
    from crmctl.config.source import redact

    assert redact(text, ("s3cret",)) == shown


def test_the_url_is_expanded_from_the_environment_only_when_opened(monkeypatch):
    from crmctl.config.source import Source

    source = Source("postgresql://crm:${CRM_PW}@db/crm", None, "t", None)
    monkeypatch.setenv("CRM_PW", "p@ss")
    assert source.resolved_url() == "postgresql://crm:p@ss@db/crm"
    assert "p@ss" not in source.shown and "${CRM_PW}" not in repr(Source("x", None, "t", None))
    monkeypatch.setenv("CRM_URL", "sqlite:///a.db")
    assert Source(None, "CRM_URL", "t", None).resolved_url() == "sqlite:///a.db"


def test_init_url_recognises_fivetran_tables_and_keeps_the_password_out(project, cli, postgres):
    import adbc_driver_postgresql

    url, port = postgres
    connection, execute = adbc_executor(adbc_driver_postgresql.connect(url))
    execute("CREATE DATABASE fivetran")
    connection.close()
    warehouse = url.replace("/postgres", "/fivetran")
    connection, execute = adbc_executor(adbc_driver_postgresql.connect(warehouse))
    execute("CREATE SCHEMA shopify")
    execute('CREATE TABLE shopify."order" (id BIGINT, customer_id BIGINT, email TEXT, financial_status TEXT, '
            "total_price NUMERIC(10, 2), currency TEXT, created_at TIMESTAMPTZ, _fivetran_synced TIMESTAMPTZ)")
    execute("INSERT INTO shopify.\"order\" VALUES (1, 10, 'a@x.com', 'paid', 12.50, 'EUR', '2024-01-05 10:00Z', now()),"
            " (2, 11, 'b@x.com', 'refunded', 20.00, 'EUR', '2024-02-05 10:00Z', now())")
    execute("CREATE TABLE shopify.customer (id BIGINT, email TEXT, orders_count INT, state TEXT, "
            "created_at TIMESTAMPTZ, verified_email BOOLEAN, _fivetran_synced TIMESTAMPTZ)")
    execute("INSERT INTO shopify.customer VALUES (10, 'a@x.com', 1, 'enabled', '2023-12-01 09:00Z', true, now()), "
            "(11, 'b@x.com', 1, 'enabled', '2024-01-20 09:00Z', true, now())")
    connection.close()
    result = cli("init", "--url", warehouse, "-o", "crmctl.yaml")
    assert result.exit_code == 0, result.stderr
    config = (Path.cwd() / "crmctl.yaml").read_text()
    assert PASSWORD not in config and PASSWORD not in result.stderr
    assert f'source: {{url: "postgresql://crm:${{PGPASSWORD}}@127.0.0.1:{port}/fivetran", table: shopify.order}}' in config
    assert "table: shopify.customer}" in config
    assert "shopify.order: orders (Fivetran Shopify order" in result.stderr
    assert "export PGPASSWORD" in result.stderr
    report = cli("report", "--format", "json", "--metrics", "revenue", "--period", "month", PGPASSWORD=PASSWORD)
    assert report.exit_code == 0, report.stderr
    revenue = {row["period_start"][:7]: row["value"] for row in report.json()["rows"]}
    assert revenue == {"2024-01": 12.5}  # the refunded February order is not revenue (the preset's where:)


def test_init_takes_files_or_a_url(cli):
    result = cli("init", "-o", "-")
    assert result.exit_code == 2 and "give export files or folders, or --url" in result.stderr
    result = cli("init", "--url", "mysql://u:hunter22@h/db", "-o", "-")
    assert result.exit_code == 2 and "mysql://***@h/db: not a database URL" in result.stderr


def test_an_empty_table_and_an_all_null_column_read_as_an_empty_csv_does(project):
    import sqlite3

    from crmctl.read.load import load_dataset

    with sqlite3.connect(project.root / "crm.db") as db:  # the driver types such columns as integers
        db.execute("CREATE TABLE empty (id TEXT, at TEXT, amount REAL, status TEXT)")
        db.execute("CREATE TABLE nulls (id TEXT, at TEXT, amount REAL, status TEXT)")
        db.execute("INSERT INTO nulls VALUES ('o1', '2024-01-05', 2.5, NULL)")
    for table, rows in (("empty", 0), ("nulls", 1)):
        config = project.load(f"""
            datasets:
              orders:
                source: {{url: "sqlite:///crm.db", table: {table}}}
                columns: {{order_id: id, customer_id: id, ordered_at: at, amount: amount, status: status}}
        """)
        loaded = load_dataset(config.datasets["orders"])
        assert (loaded.rows_read, loaded.rows_used, loaded.invalid) == (rows, rows, {})
        assert loaded.frame["status"].null_count() == rows


@settings(max_examples=50, deadline=None)
@given(password=st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="@/?#"),
                        min_size=3, max_size=20),
       user=st.from_regex(r"[a-z]{1,8}", fullmatch=True))
def test_no_message_shows_the_password_of_a_url(password, user):
    from crmctl.config.source import redact

    url = f"postgresql://{user}:{password}@db.internal:5432/crm"
    for message in (url, f"could not connect to {url}: refused", f'FATAL: password "{password}" rejected'):
        assert password not in redact(message, (password,))
    assert redact(url) == "postgresql://***@db.internal:5432/crm"  # the URL's own shape suffices

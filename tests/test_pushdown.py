"""The report window pushed down into database reads (report/pushdown.py): a narrowed read gives the same
bytes as the same rows exported as CSV, whatever the window, period, --compare or gap in the data; what it
leaves in the database is counted; and it is only taken where the metrics need no row outside the periods."""

from __future__ import annotations

import datetime as dt
import textwrap

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from crmctl.read.database import RowWindow

duckdb = pytest.importorskip("duckdb")

STAMP = "%Y-%m-%d %H:%M:%S"
# The sample's exports typed as a warehouse holds them: each dataset's time columns as TIMESTAMP, the rest text.
TIMES = {
    "customers": {"Create Date": "%Y-%m-%d %H:%M"},
    "orders": {"Order Date": STAMP},
    "surveys": {"Submitted": "%d/%m/%Y %H:%M"},
    "tickets": {"Created at": "%Y-%m-%dT%H:%M:%SZ", "First reply at": "%Y-%m-%dT%H:%M:%SZ",
                "Solved at": "%Y-%m-%dT%H:%M:%SZ"},
}
COLUMNS = {
    "customers": "{customer_id: Record ID, created_at: Create Date, segment: Customer Tier}",
    "orders": "{order_id: Order Number, customer_id: Contact ID, ordered_at: Order Date, amount: Total Amount, "
              "status: Status}\n    where: {status: [paid, completed]}",
    "surveys": "{customer_id: Customer, responded_at: Submitted, type: {column: Survey, values: {NPS: nps, "
               "CSAT: csat, CES: ces}}, score: Score}",
    "tickets": "{ticket_id: Id, customer_id: Requester external id, created_at: Created at, first_response_at: "
               "First reply at, resolved_at: Solved at, contacts: Replies}",
}
# Every one counts rows per period of its dataset's time fields, so orders, surveys and tickets are narrowed.
METRICS = ("revenue,orders,average_order_value,sales_growth,gross_profit,nps,csat,ces,ticket_volume,first_contact_resolution,"
           "avg_resolution_time,median_resolution_time,first_response_time")


def typed(name: str) -> pl.DataFrame:
    frame = pl.read_csv(ROOT / "sample_data" / f"{name}.csv", infer_schema=False)
    frame = frame.with_columns(pl.col(c).str.to_datetime(f, strict=True) for c, f in TIMES[name].items())
    return frame.with_columns(pl.col("Total Amount").str.replace_all(",", "")) if name == "orders" else frame


def warehouse(project, frames: dict[str, pl.DataFrame]) -> tuple[str, str]:
    """The same typed rows as CSV exports and as DuckDB tables (loaded by DuckDB itself from Parquet), and the
    two configs, which map them alike (both print timestamps as 2025-02-10 08:30:00)."""
    database = duckdb.connect(str(project.root / "crm.duckdb"))
    for name, frame in frames.items():
        frame.write_csv(project.root / f"{name}.csv", datetime_format=STAMP)
        frame.write_parquet(project.root / f"{name}.parquet")
        database.execute(f"CREATE TABLE \"{name}\" AS SELECT * FROM read_parquet('{project.root / name}.parquet')")
    database.close()

    def config(file: str, where) -> str:
        datasets = "".join(f"  {name}:\n    {where(name)}\n    columns: {COLUMNS[name]}\n" for name in frames)
        project.file(file, f"version: 1\ntimezone: UTC\ndatasets:\n{datasets}")
        return str(project.root / file)

    return (config("csv.yaml", lambda name: f"path: {name}.csv"),
            config("db.yaml", lambda name: f"source: {{url: \"duckdb:///crm.duckdb\", table: {name}}}"))


@pytest.fixture(scope="module")
def sample_frames() -> dict[str, pl.DataFrame]:
    return {name: typed(name) for name in TIMES}


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory, sample_frames) -> tuple[str, str]:
    from conftest import Project

    return warehouse(Project(tmp_path_factory.mktemp("warehouse")), sample_frames)


def same(cli, configs, *args: str):
    """The CSV report from the exports and the database's, checked equal, exit code and messages too."""
    csv, db = (cli("report", "-c", config, "-m", METRICS, "-f", "csv", *args) for config in configs)
    assert (db.exit_code, db.stdout, db.stderr) == (csv.exit_code, csv.stdout, csv.stderr)
    return csv


def both(cli, configs, *args: str) -> tuple[str, dict]:
    """`same`, for a report that succeeds; and the database run's JSON meta."""
    csv = same(cli, configs, *args)
    assert csv.exit_code == 0, csv.stderr
    meta = cli("report", "-c", configs[1], "-m", METRICS, "-f", "json", *args).json()["meta"]
    return csv.stdout, meta


def narrowed(meta: dict) -> dict[str, int]:
    return {name: d["pushed_down"]["rows_left_in_database"] for name, d in meta["datasets"].items()
            if "pushed_down" in d}


DAYS = st.dates(dt.date(2023, 9, 1), dt.date(2025, 9, 30))


# No shrinking: each example runs two reports, and the failing one is printed as drawn.
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(start=DAYS, length=st.integers(0, 420), ends=st.sampled_from(["both", "from", "to", "last", "last alone"]),
       period=st.sampled_from(["week", "month", "quarter", "year", "all"]),
       compare=st.sampled_from([None, "previous", "year"]), by=st.booleans())
def test_a_narrowed_read_gives_the_bytes_of_the_whole_export(cli, sample_warehouse, start, length, ends, period,
                                                              compare, by):
    end = start + dt.timedelta(days=length)
    window = {"both": ["--from", str(start), "--to", str(end)], "from": ["--from", str(start)],
              "to": ["--to", str(end)], "last": ["--last", "3m", "--to", str(end)],
              "last alone": ["--last", f"{length % 5 + 1}m"]}[ends]
    args = [*window, "--period", period, "--allow-empty"]
    args += ["--compare", compare] if compare and period != "all" else []
    args += ["--by", "segment"] if by else []
    same(cli, sample_warehouse, *args)


def test_the_window_and_its_previous_period_are_read_and_the_rest_is_counted(cli, sample_warehouse, sample_frames):
    report, meta = both(cli, sample_warehouse, "--from", "2025-02-10", "--to", "2025-04-20")
    # Months Jan (sales growth's previous) .. Apr, two days either side: the rows outside are left and counted.
    since, before = dt.datetime(2024, 12, 30), dt.datetime(2025, 5, 3)
    surveys = sample_frames["surveys"]["Submitted"]
    orders = sample_frames["orders"]["Order Date"]
    tickets = sample_frames["tickets"].select(pl.any_horizontal(  # an empty "Solved at" is not inside
        pl.col(c).is_between(since, before, closed="left").fill_null(False) for c in TIMES["tickets"]).alias("in"))["in"]
    assert narrowed(meta) == {"orders": (~orders.is_between(since, before, closed="left")).sum(),
                              "surveys": (~surveys.is_between(since, before, closed="left")).sum(),
                              "tickets": (~tickets).sum()}
    assert min(narrowed(meta).values()) > 500  # most of the 18 months stayed in the database
    assert report.count("2025-02-01") and "2024-12-01" not in report


def without(frame: pl.DataFrame, column: str, start: dt.datetime, end: dt.datetime) -> pl.DataFrame:
    return frame.filter(~pl.col(column).is_between(start, end, closed="left"))


def revenue_in(report: str, month: str) -> tuple:
    rows = pl.read_csv(report.encode()).filter(pl.col("metric") == "revenue", pl.col("period_start") == month)
    return rows.select("value", "n", "note").row(0)


def test_a_gap_at_the_windows_start_reads_the_dataset_whole_so_empty_months_stay_zero(project, cli, sample_frames):
    # No order from November to February: the rows read begin in March, after the months the report computes
    # (January, February): only the orders before the gap tell that those months lie inside the data.
    frames = {**sample_frames, "orders": without(sample_frames["orders"], "Order Date", dt.datetime(2024, 11, 1),
                                                 dt.datetime(2025, 3, 1))}
    report, meta = both(cli, warehouse(project, frames), "--from", "2025-02-10", "--to", "2025-04-20")
    assert revenue_in(report, "2025-02-01") == (0.0, 0, None)
    assert "orders" not in narrowed(meta) and {"surveys", "tickets"} <= set(narrowed(meta))


def test_a_gap_at_the_windows_end_reads_the_dataset_whole(project, cli, sample_frames):
    frames = {**sample_frames, "orders": without(sample_frames["orders"], "Order Date", dt.datetime(2025, 4, 1),
                                                 dt.datetime(2025, 6, 10))}
    report, meta = both(cli, warehouse(project, frames), "--from", "2025-01-01", "--to", "2025-05-20")
    assert revenue_in(report, "2025-05-01") == (0.0, 0, None)
    assert "orders" not in narrowed(meta)


def test_data_that_starts_inside_the_window_stays_narrowed(project, cli, sample_frames):
    # Nothing before 2025: the database holds no earlier row, so the rows read give the data's first day.
    frames = {**sample_frames, "orders": without(sample_frames["orders"], "Order Date", dt.datetime(2000, 1, 1),
                                                 dt.datetime(2025, 1, 1))}
    report, meta = both(cli, warehouse(project, frames), "--from", "2024-10-01", "--to", "2025-02-28")
    assert revenue_in(report, "2024-11-01") == (None, 0, "no data for this period")
    assert "orders" in narrowed(meta)


def test_last_alone_counts_back_from_the_databases_last_day(cli, sample_warehouse, sample_frames):
    report, meta = both(cli, sample_warehouse, "--last", "3m")
    assert meta["window"] == {"from": "2025-04-01", "to": "2025-06-30"}  # the sample ends on 30 June 2025
    since = dt.datetime(2025, 3, 1) - dt.timedelta(days=2)  # April's previous month, two days early
    orders = sample_frames["orders"]["Order Date"]
    assert narrowed(meta)["orders"] == (orders < since).sum() > 1000


def test_last_alone_reads_whole_when_the_last_rows_do_not_count(project, cli, sample_frames):
    # The database's last orders (June) are refunded: the data's last kept day is in May, so the window is
    # March .. May, earlier than the one the database's last day gave (April .. June): read whole.
    orders = sample_frames["orders"].with_columns(Status=pl.when(pl.col("Order Date") >= dt.datetime(2025, 5, 26))
                                                  .then(pl.lit("refunded")).otherwise("Status"))
    configs = warehouse(project, {"customers": sample_frames["customers"], "orders": orders})
    args = ["report", "-m", "revenue,orders", "--last", "3m"]
    csv, db = (cli(*args, "-c", c, "-f", "csv") for c in configs)
    assert db.stdout == csv.stdout and "2025-03-01" in csv.stdout and "2025-06-01" not in csv.stdout
    assert narrowed(cli(*args, "-c", configs[1], "-f", "json").json()["meta"]) == {}


@pytest.mark.parametrize("metrics, kept", [
    ("ticket_volume,backlog", "tickets"),  # the backlog's plan reads the held rows: no declared group_by
    ("revenue,new_customers", "orders"),  # the activity model reads every order
    ("nps,data_completeness", "surveys"),  # data quality counts every row
])
def test_what_needs_rows_outside_the_periods_is_read_whole(cli, sample_warehouse, metrics, kept):
    configs = sample_warehouse
    meta = cli("report", "-c", configs[1], "-m", metrics, "--from", "2025-02-01", "--to", "2025-03-31",
               "-f", "json").json()["meta"]
    assert kept not in narrowed(meta)
    csv, db = (cli("report", "-c", c, "-m", metrics, "--from", "2025-02-01", "--to", "2025-03-31", "-f", "csv")
               for c in configs)
    assert db.stdout == csv.stdout


def test_text_dates_are_not_compared_in_the_database(project, cli, sample_frames):
    # A VARCHAR column orders by its text ("01/02/2025" before "31/01/2024"): the database cannot cut it.
    frames = {**sample_frames, "surveys": sample_frames["surveys"].with_columns(
        pl.col("Submitted").dt.strftime(STAMP))}
    _, meta = both(cli, warehouse(project, frames), "--from", "2025-02-01", "--to", "2025-03-31")
    assert "surveys" not in narrowed(meta) and "orders" in narrowed(meta)


def test_the_where_clause_holds_a_row_with_any_time_field_inside():
    window = RowWindow(("created_at", "resolved_at"), dt.datetime(2024, 12, 30), dt.datetime(2025, 5, 3))
    assert window.where({"created_at": "Created at", "resolved_at": 'Solved "at"'}) == (
        "(\"Created at\" >= TIMESTAMP '2024-12-30 00:00:00' AND \"Created at\" < TIMESTAMP '2025-05-03 00:00:00')"
        " OR (\"Solved \"\"at\"\"\" >= TIMESTAMP '2024-12-30 00:00:00' AND \"Solved \"\"at\"\"\" < TIMESTAMP "
        "'2025-05-03 00:00:00')")
    assert RowWindow(("created_at",), None, dt.datetime(2025, 1, 1)).where({"created_at": "c"}) == \
        "(\"c\" < TIMESTAMP '2025-01-01 00:00:00')"


@pytest.mark.parametrize("period, start, compare, first", [
    ("month", "2025-02-10", None, "2025-01-01"),  # the window's month and the one before (growth's previous)
    ("month", "2025-02-10", "previous", "2024-12-01"),  # and the previous period's previous
    ("month", "2025-02-10", "year", "2024-01-01"),  # and a year before that
    ("week", "2025-02-12", None, "2025-02-03"),  # weeks from Monday: the week of the 10th, and the one before
    ("quarter", "2025-05-01", None, "2025-01-01"),
])
def test_the_first_period_read_includes_what_growth_and_compare_look_back_to(period, start, compare, first):
    from crmctl.config import ReportSpec
    from crmctl.domain.periods import Calendar
    from crmctl.report.pushdown import reach

    spec = ReportSpec(period=period, start=dt.date.fromisoformat(start), end=dt.date(2025, 6, 20), compare=compare)
    periods = reach(spec, Calendar(period, "monday", 1))
    assert (periods.first, periods.last) == (dt.date.fromisoformat(first),
                                             {"month": dt.date(2025, 6, 1), "week": dt.date(2025, 6, 16),
                                              "quarter": dt.date(2025, 4, 1)}[period])


def test_sqlite_reads_whole_and_gives_the_same_report(project, cli, sample_frames):
    # SQLite keeps dates as text: nothing is narrowed, and the report is the CSV's all the same.
    import adbc_driver_sqlite
    from postgres_server import adbc_executor
    from test_databases import create

    csv_config, _ = warehouse(project, sample_frames)
    connection, execute = adbc_executor(adbc_driver_sqlite.connect(str(project.root / "crm.sqlite")))
    for name, frame in sample_frames.items():
        create(execute, name, frame.with_columns(pl.col(pl.Datetime).dt.strftime(STAMP)),
               {c: "TIMESTAMP" if c in TIMES[name] else "TEXT" for c in frame.columns})
    connection.close()
    config = project.file("sqlite.yaml", (project.root / "db.yaml").read_text().replace("duckdb:///crm.duckdb",
                                                                                       "sqlite:///crm.sqlite"))
    args = ["-m", METRICS, "--from", "2025-02-01", "--to", "2025-03-31"]
    assert cli("report", "-c", str(config), *args, "-f", "csv").stdout == \
        cli("report", "-c", csv_config, *args, "-f", "csv").stdout
    assert narrowed(cli("report", "-c", str(config), *args, "-f", "json").json()["meta"]) == {}


def test_a_timestamp_with_time_zone_is_compared_in_the_database(project, cli, sample_frames):
    # PostgreSQL's and DuckDB's timestamptz print with their offset ("2025-05-26 12:01:00+00"); crmctl reads
    # them in the config's zone, the database compares in its own: the margin keeps every row crmctl counts.
    csv_config, db_config = warehouse(project, sample_frames)
    database = duckdb.connect(str(project.root / "crm.duckdb"))
    database.execute('CREATE TABLE surveys_tz AS SELECT * REPLACE (CAST("Submitted" AS TIMESTAMPTZ) AS "Submitted") '
                     "FROM surveys")
    database.close()
    config = project.file("tz.yaml", (project.root / "db.yaml").read_text().replace("table: surveys}",
                                                                                   "table: surveys_tz}"))
    assert "table: surveys_tz}" in config.read_text()
    args = ["-m", "nps,csat,ces", "--from", "2025-02-10", "--to", "2025-04-20", "--by", "segment"]
    assert cli("report", "-c", str(config), *args, "-f", "csv").stdout == \
        cli("report", "-c", csv_config, *args, "-f", "csv").stdout
    assert "surveys" in narrowed(cli("report", "-c", str(config), *args, "-f", "json").json()["meta"])

"""A database dataset (`source:`) → the same text cells a file gives, so the same conversion reads them.

The mapped columns alone are selected, each cast to text in SQL, through ADBC (Arrow Database
Connectivity: the Apache Arrow project's drivers for PostgreSQL and SQLite, and DuckDB's own), and the
result lands as a Parquet file of text columns in the reader's scratch folder. From there the held road
reads it exactly as it reads a Parquet export of text columns: trimmed, `null_values` applied as the CSV
reader applies them, converted by read/cells.py, every bad value counted with its row. That is what
makes a report from a table byte-identical to one from the same rows exported as CSV.

Every message names the source through `redact`: a driver's error text may repeat the URL it was given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from crmctl.config import Column, DatasetSpec
from crmctl.config.source import Source, database_path, redact
from crmctl.errors import ConfigError, CrmctlError, DataError
from crmctl.read.loaded import Pushed
from crmctl.read.quality import PLAUSIBLE_FROM
from crmctl.read.scan import match_columns
from crmctl.read.sniff import FileShape

_DRIVERS = {  # scheme → (module, pip package that provides it)
    "postgresql": ("adbc_driver_postgresql", "adbc-driver-postgresql"),
    "sqlite": ("adbc_driver_sqlite", "adbc-driver-sqlite"),
    "duckdb": ("adbc_driver_duckdb", "duckdb"),
}


@dataclass
class Connection:
    """An open ADBC connection, and the secret URL its messages must not show."""

    source: Source
    url: str
    database: object
    connection: object

    def query(self, sql: str) -> pl.DataFrame:
        import adbc_driver_manager

        statement = adbc_driver_manager.AdbcStatement(self.connection)
        try:
            statement.set_sql_query(sql)
            handle, _ = statement.execute_query()
            return pl.DataFrame(handle)
        except adbc_driver_manager.Error as exc:
            hint = ("check source.table (name or schema.name) and that the user may read it" if self.source.table
                    else "source.query runs as the subquery of SELECT … FROM (query), so it must be one select")
            raise DataError(f"{self.source.shown}: {self.fail(exc)}; {hint}") from None
        finally:
            statement.close()

    def fail(self, exc: Exception) -> str:
        return first_line(exc, self.url)

    def close(self) -> None:
        self.connection.close()
        self.database.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def connect(source: Source) -> Connection:
    """Opens the source's database; a clear error (exit 3 for the URL or driver, 4 for the server) if not."""
    url = source.resolved_url()
    scheme = source.scheme
    if not scheme:
        raise ConfigError(f"{redact(url, _passwords(url))}: not a database URL crmctl reads "
                          "(postgresql://, sqlite:/// or duckdb:///)")
    module, package = _DRIVERS[scheme]
    try:
        import adbc_driver_manager
        driver = __import__(module)
    except ImportError:
        raise ConfigError(f"{source.shown}: reading {scheme} needs the {package} package "
                          f"(pip install 'crmctl[db]')") from None
    file = database_path(url, source.base) if scheme != "postgresql" else None
    if file is not None and not Path(file).exists():
        raise DataError(f"{source.shown}: database file not found: {file} (sqlite:///name.db is relative to "
                        "the config's folder, sqlite:////srv/name.db absolute)")
    try:
        database = _opened(driver, scheme, url, file)
        connection = adbc_driver_manager.AdbcConnection(database)
    except adbc_driver_manager.Error as exc:
        raise DataError(f"{source.shown}: cannot connect: {first_line(exc, url)}; check the host, port, user and "
                        "that the server runs (the password is never shown)") from None
    return Connection(source, url, database, connection)


def _opened(driver, scheme: str, url: str, file: str | None):
    """The ADBC database; SQLite and DuckDB files opened read-only, so reading never changes them."""
    if scheme == "postgresql":
        return driver.connect(url)
    if scheme == "sqlite":
        from urllib.parse import quote

        return driver.connect(f"file:{quote(file)}?mode=ro")
    import adbc_driver_manager

    return adbc_driver_manager.AdbcDatabase(driver=driver.driver_path(), entrypoint="duckdb_adbc_init", path=file,
                                            access_mode="read_only")


def first_line(exc: Exception, url: str) -> str:
    """A driver's first line of error text, with every credential hidden (it may repeat the URL)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return redact(text, (url, *_passwords(url)))


def _passwords(url: str) -> tuple[str, ...]:
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        return ()
    return (password, unquote(password)) if password else ()


def relation(source: Source) -> str:
    """What the SELECT reads from: the table, quoted part by part, or the query as a subquery."""
    if source.table:
        return ".".join(quoted(part) for part in source.table.split("."))
    return f"({source.query.strip().rstrip(';')}) AS crmctl_query"


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_columns(db: Connection, source: Source | None = None) -> tuple[str, ...]:
    """The column names of the connection's table or query (or `source`'s), from a query that reads no row."""
    return tuple(table_schema(db, source))


def table_schema(db: Connection, source: Source | None = None) -> pl.Schema:
    """The table's (or query's) columns with the types its driver gives them; SQLite gives none (Int64)."""
    return db.query(f"SELECT * FROM {relation(source or db.source)} LIMIT 0").schema


@dataclass(frozen=True)
class RowWindow:
    """The rows a report can use of a dataset: those with any of `fields` (canonical names) in [since, before),
    an end left open when None. report/pushdown.py decides it; `fetch` pushes it into the SELECT."""

    fields: tuple[str, ...]
    since: dt.datetime | None = None
    before: dt.datetime | None = None

    def where(self, names: dict[str, str]) -> str:
        """The SQL condition over the table's columns (`names`: field → column)."""
        def inside(column: str) -> str:
            bounds = [f"{quoted(column)} >= {timestamp(self.since)}"] if self.since else []
            bounds += [f"{quoted(column)} < {timestamp(self.before)}"] if self.before else []
            return "(" + " AND ".join(bounds) + ")"

        return " OR ".join(inside(names[f]) for f in self.fields)

    def outside(self, names: dict[str, str], plausible: tuple[dt.datetime, dt.datetime]) -> tuple[str, str]:
        """Conditions for rows with a plausible date before `since` and after `before`: whether the table holds
        data on either side that the window leaves in the database ("FALSE" for an open end)."""
        def side(bound, beyond: str, limit: dt.datetime, within: str) -> str:
            if bound is None:
                return "FALSE"
            columns = (quoted(names[f]) for f in self.fields)
            return " OR ".join(f"({c} {beyond} {timestamp(bound)} AND {c} {within} {timestamp(limit)})" for c in columns)

        return side(self.since, "<", plausible[0], ">="), side(self.before, ">=", plausible[1], "<=")


def timestamp(value: dt.datetime) -> str:
    return f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S}'"


def fetch(spec: DatasetSpec, columns: list[Column], scratch: str,
          window: RowWindow | None = None) -> tuple[FileShape, Path, Pushed | None]:
    """The mapped columns of a database dataset as text, in a Parquet file under `scratch`, the shape the
    reader takes it by (its path is the table's name, for messages), and what `window` left out (None when
    it was not pushed: no window, or a time column that is text in the database, as every SQLite column is)."""
    return _named(spec, _fetch, spec, columns, scratch, window)


def _named(spec: DatasetSpec, read, *args):
    try:
        return read(*args)
    except CrmctlError as error:  # every message names the dataset whose source failed
        raise type(error)(f"datasets.{spec.name}.source: {error.message}", error.problems) from None


def latest_day(spec: DatasetSpec, columns: list[Column]) -> dt.date | None:
    """The last day of the database dataset's date or timestamp `columns` up to tomorrow (later ones are
    implausible), as the database prints it: what `--last` alone counts back from, estimated before reading."""
    return _named(spec, _latest_day, spec, columns)


def _latest_day(spec: DatasetSpec, columns: list[Column]) -> dt.date | None:
    with connect(spec.source) as db:
        schema, names = _mapped(db, spec, columns)
        typed = [quoted(names[c.field]) for c in columns if _temporal(schema, names[c.field])]
        if not typed:
            return None
        limit = timestamp(dt.datetime.now() + dt.timedelta(days=1))
        latest = db.query("SELECT " + ", ".join(f"CAST(MAX(CASE WHEN {c} <= {limit} THEN {c} END) AS TEXT) AS c{i}"
                                                for i, c in enumerate(typed)) + f" FROM {relation(spec.source)}").row(0)
    days = [dt.date.fromisoformat(text[:10]) for text in latest if text]
    return max(days) if days else None


def _fetch(spec: DatasetSpec, columns: list[Column], scratch: str,
           window: RowWindow | None) -> tuple[FileShape, Path, Pushed | None]:
    source = spec.source
    with connect(source) as db:
        schema, names = _mapped(db, spec, columns)
        wanted = list(dict.fromkeys(names[c.field] for c in columns))
        window = _comparable(window, names, schema) if window else None
        where = f" WHERE {window.where(names)}" if window else ""
        frame = db.query(f"{as_text(wanted)} FROM {relation(source)}{where}") if wanted else pl.DataFrame()
        pushed = _left_out(db, window, names, frame.height) if window else None
    # A driver types an empty or all-NULL result column by its own guess (SQLite: Int64), whatever the CAST.
    text = {n: pl.col(n).cast(pl.String) for n in wanted}
    nulls = list(spec.null_values)
    frame = frame.select(pl.when(text[n].is_in(nulls)).then(None).otherwise(text[n]).alias(n) for n in wanted)
    target = Path(scratch) / f"{spec.name}-source.parquet"
    frame.write_parquet(target)
    return FileShape(Path(source.label), "parquet", header=tuple(wanted)), target, pushed


def _comparable(window: RowWindow, names: dict[str, str], schema: pl.Schema) -> RowWindow | None:
    """The window over the fields read (one not read places no row), if the database can compare each of their
    columns with a timestamp as crmctl would: a date or timestamp column can; text cannot (its order is not
    time's unless every value has one ISO format); else None."""
    fields = tuple(f for f in window.fields if f in names)
    typed = all(_temporal(schema, names[f]) for f in fields)
    return replace(window, fields=fields) if fields and typed else None


def _mapped(db: Connection, spec: DatasetSpec, columns: list[Column]) -> tuple[pl.Schema, dict[str, str]]:
    """The table's schema, and each of `columns`' field matched to its column as a file's header is."""
    schema = table_schema(db)
    return schema, _matched(FileShape(Path(spec.source.label), "parquet", header=tuple(schema)), spec, columns)


def _temporal(schema: pl.Schema, column: str) -> bool:
    """Whether the database types the column as a date or timestamp (which it then compares as time)."""
    return isinstance(schema[column], (pl.Date, pl.Datetime))


def _left_out(db: Connection, window: RowWindow, names: dict[str, str], fetched: int) -> Pushed:
    """One more query, counting what the window left in the database and whether any of it is dated
    plausibly before or after the window (a day either side of the plausible range, for time zones)."""
    day = dt.timedelta(days=1)
    earlier, later = window.outside(names, (PLAUSIBLE_FROM - day, dt.datetime.now() + day))
    total, before, after = db.query(
        f"SELECT COUNT(*) AS total, SUM(CASE WHEN {earlier} THEN 1 ELSE 0 END) AS earlier, "
        f"SUM(CASE WHEN {later} THEN 1 ELSE 0 END) AS later FROM {relation(db.source)}").row(0)
    return Pushed(window.where(names), int(total) - fetched, bool(before), bool(after))


def as_text(names) -> str:
    """SELECT of the columns as text: each database prints its own types, and the reader converts text."""
    return "SELECT " + ", ".join(f"CAST({quoted(n)} AS TEXT) AS {quoted(n)}" for n in names)


_TABLES = {  # scheme -> the query listing its user tables as (schema, name)
    "postgresql": "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN "
                  "('pg_catalog', 'information_schema') ORDER BY 1, 2",
    "duckdb": "SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2",
    "sqlite": "SELECT 'main', name FROM sqlite_master WHERE type IN ('table', 'view') "
              "AND name NOT LIKE 'sqlite_%' ORDER BY 2",
}


def list_tables(db: Connection) -> list[str]:
    """The database's tables, as `source.table` names them (schema.name; the name alone in main/public)."""
    rows = db.query(_TABLES[db.source.scheme]).rows()
    return [name if schema in ("main", "public") else f"{schema}.{name}" for schema, name in rows]


def sample_rows(db: Connection, table: str, limit: int) -> pl.DataFrame:
    """The first `limit` rows of a table, every column as text: what `init` recognises a table by."""
    source = Source(db.source.url, db.source.url_env, table, None, db.source.base)
    names = table_columns(db, source)
    return db.query(f"{as_text(names)} FROM {relation(source)} LIMIT {int(limit)}")


def _matched(shape: FileShape, spec: DatasetSpec, columns: list[Column]) -> dict[str, str]:
    """Config columns → the table's, as files match them (case, spaces); the message says table, not file."""
    try:
        return match_columns(shape, spec, columns)
    except DataError as error:
        raise DataError(f"{spec.source.shown}: the mapped columns are not all in the "
                        f"{'table' if spec.source.table else 'query result'}",
                        [p.replace("is not in the file", "is not there") for p in error.problems]) from None

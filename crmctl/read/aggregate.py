"""The aggregated road: a dataset whose every reader is a group_by gets its aggregates from the scan itself.

The optimistic fast scan (optimistic.py) of every file streams into the one group_by the report's metrics
declared over it (by period and --by fields, the customers' columns looked up or joined in the stream)
and, in the same streaming pass, into the account of the rows: read, filtered by `where:`, kept, each
extent field's first and last plausible date, and the proof that ids are distinct (integers rising in
file order, else their 64-bit hashes). Without a hash count both come from one group_by, by each row's
status too (_in_one_query), which streams in constant memory; its CSV is read in small chunks. The rows
themselves are not held, except the few fields of the kept rows the activity model reads (`narrow`: the
transactional model's customer and time of each order).

The road is only taken when it gives what the held road (load.py) gives. A row the fast scan is not
sure of (suspect: a blank line, an empty or odd cell), a row lacking a required field, two ids with one
hash, an integer customer id not written as it prints, or several currencies: any of these and
`load_aggregated` returns None, and the caller reads the dataset the held way, which accounts for such
rows (skips, examples, warnings, errors) as always.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

import polars as pl

from crmctl.config import DatasetSpec
from crmctl.domain.datasets import CANONICAL
from crmctl.read.load import resolve_files
from crmctl.read.loaded import Loaded
from crmctl.read.optimistic import fast_scan
from crmctl.read.remote import is_parquet_dataset
from crmctl.read.scan import FileScan, file_scans, in_small_chunks
from crmctl.read.rows import held, rising_integers, wanted
from crmctl.read.sniff import sniff, transcoded

_KEPT, _SUSPECT, _LACKING, _FILTERED, _ODD_ID = 0, 1, 2, 3, 4
# A filter pushed into the scan makes each query's scan another plan, which collect_all then runs once per query.
_PROBE_ROWS = 1000
_RISING_PROBE = 1000  # first rows whose ids choose the proof that ids are distinct (_rising_ids)
_STATUSES = (_KEPT, _SUSPECT, _LACKING, _FILTERED, _ODD_ID)
_SHARED = pl.QueryOptFlags(predicate_pushdown=False)


@dataclass
class Grouping:
    """One group_by a report wants of a dataset: where each row's period starts (null: not in any), the
    --by fields, and the aggregations by name."""

    period_start: pl.Expr
    by: tuple[str, ...]
    aggregations: dict[str, pl.Expr]


def stream_schema(spec: DatasetSpec, fields: set[str]) -> pl.Schema:
    """The held frame's columns and types for `fields`, with no row read: what the metrics' declarations
    look at before the aggregated road runs."""
    columns = _columns(spec, fields)
    if spec.source is not None or is_parquet_dataset(spec.paths[0]):
        return pl.Schema({})  # the held road reads databases and Parquet datasets
    shape = sniff(resolve_files(spec)[0], spec.delimiter, spec.encoding, spec.header)
    if shape.needs_transcoding or shape.format != "csv":
        return pl.Schema({})
    frame = fast_scan(FileScan(spec, tuple(columns), shape, shape.path)).select(held(c) for c in columns)
    return frame.collect_schema()


def load_aggregated(spec: DatasetSpec, fields: set[str], name: str, grouping: Grouping,
                    customers: pl.DataFrame | dict[str, pl.Expr] | None, extent: tuple[str, ...],
                    plausible: tuple, narrow: tuple[str, ...] = ()) -> Loaded | None:
    """The dataset's one group_by (`Loaded.aggregates[name]`) and account, or None when the held road must
    read it. `customers` holds the customers' --by columns to join, keyed by customer_id, or by `_key`, or
    gives them as expressions of `_key` (a gather from a table indexed by id), when every customer id is an
    integer written as it prints (context/keys.py: integer_ids): the rows' ids are then read as integers, and a row
    whose id does not print back as written sends the dataset to the held road ("007" is not customer 7).
    The kept rows' `narrow` fields are also held (`Loaded.narrow`), typed as the held road types them."""
    columns = _columns(spec, fields)
    if spec.source is not None or any(is_parquet_dataset(p) for p in spec.paths):
        return None
    files = resolve_files(spec)
    shapes = [sniff(path, spec.delimiter, spec.encoding, spec.header) for path in files]
    if not all(shape.format == "csv" and not shape.footer for shape in shapes):
        return None
    with tempfile.TemporaryDirectory(prefix="crmctl-") as scratch, in_small_chunks():  # nothing is held: stream
        sources = [transcoded(shape, scratch) if shape.needs_transcoding else shape.path for shape in shapes]
        try:
            frames = [fast_scan(scan) for scan in file_scans(spec, columns, shapes, sources)]
            if any(frame.head(_PROBE_ROWS).select(pl.col("_suspect").any()).collect().item() for frame in frames):
                return None  # a suspect row sends the dataset to the held road: found early, one pass saved
            rising = _rising_ids(spec, frames[0])
            rows = pl.concat(frames, how="vertical")
            integer = isinstance(customers, dict) or customers is not None and "_key" in customers.columns
            rows = _accounted(spec, columns, rows, integer)
            keyed, account = _keyed(rows, grouping, columns, customers), _account(spec, rows, extent, plausible, rising)
            if narrow:
                account, grouped, held_rows = _with_narrow(account, keyed, grouping, narrow)
            elif rising or not _proves_ids(spec, rows):
                account, grouped = _in_one_query(spec, rows, grouping, columns, customers, extent, plausible)
            else:
                account, grouped = pl.collect_all([account, _grouped(keyed, grouping)], engine="streaming",
                                                  optimizations=_SHARED)
        except pl.exceptions.PolarsError:
            return None  # the held road reads it again and says what is wrong, with file and line
    counts = _counted(account)
    if counts is None:
        return None
    loaded = Loaded(spec.name, pl.DataFrame(), files, rows_read=sum(counts.values()))
    loaded.rows_filtered, loaded.rows_used = counts.get(_FILTERED, 0), counts.get(_KEPT, 0)
    loaded.aggregates = {name: grouped}
    loaded.narrow = held_rows if narrow else None
    loaded.extents = {f: (account[f"_min_{f}"].item(), account[f"_max_{f}"].item())
                      for f in extent if f"_min_{f}" in account.columns}
    headers = {shape.header for shape in shapes}
    if len(headers) > 1:
        loaded.warnings.append(f"{len(files)} files disagree on their columns; read as one dataset, columns united "
                               f"by name (cells a file lacks are empty)")
    return loaded


def _counted(account: pl.DataFrame) -> dict[int, int] | None:
    """Rows of each status, or None when the held road must read the dataset: a suspect row, a row lacking a
    required field, an odd integer id, ids not proved distinct, or several currencies (the held road raises
    the mixed-currency error)."""
    counts = {status: account[f"_{status}"].sum() for status in _STATUSES}
    if counts[_SUSPECT] or counts[_LACKING] or counts[_ODD_ID] or not _distinct(account, counts):
        return None
    return None if account["_currencies"].item() > 1 else counts


def _distinct(account: pl.DataFrame, counts: dict[int, int]) -> bool:
    """Whether the deduplicated rows' ids are proved distinct: integers rising strictly in file order (`_rising`),
    or as many hashes as rows, plus the null of the other rows (when there are any). No id to deduplicate by
    (`_ids` None): nothing to prove."""
    if "_rising" in account.columns:
        return account["_rising"].item()
    ids = account["_ids"].item()
    if ids is None:
        return True
    deduplicated = counts[_KEPT] + counts[_FILTERED]
    return ids == deduplicated + (sum(counts.values()) > deduplicated)


def _rising_ids(spec: DatasetSpec, first: pl.LazyFrame) -> bool:
    """Whether the dataset's ids are to be proved distinct by rising (_account): its first file's first rows
    have integer ids, each above the one before (order numbers, ticket ids). A file where they stop rising
    is then read the held way, which deduplicates as always."""
    key = CANONICAL[spec.name].id_field
    if not spec.deduplicate or key not in first.collect_schema().names():
        return False
    return rising_integers(first.head(_RISING_PROBE).select(key).collect().to_series())


def _columns(spec: DatasetSpec, fields: set[str]):
    fields = fields | set(CANONICAL[spec.name].required) | set(spec.where)
    return [spec.columns[f] for f in spec.columns if f in fields]


def _accounted(spec: DatasetSpec, columns, rows: pl.LazyFrame, integer: bool) -> pl.LazyFrame:
    """Each row's fate as the held road's account has it (rows.keep_rows): suspect, lacking a required
    field, filtered by `where:`, or kept. Categories stay text: held() casts only the --by keys (_grouped)."""
    present = {c.field for c in columns}
    required = [f for f in CANONICAL[spec.name].required if f in present]
    status = pl.when(pl.col("_suspect")).then(pl.lit(_SUSPECT, pl.Int8))
    if required:
        status = status.when(pl.any_horizontal(pl.col(f).is_null() for f in required)).then(pl.lit(_LACKING, pl.Int8))
    if spec.where:
        # filter() drops a row whose where: field is empty, so the held road counts it as filtered too
        status = status.when(~wanted(spec).fill_null(False)).then(pl.lit(_FILTERED, pl.Int8))
    keys = []
    if integer:
        key = pl.col("customer_id").cast(pl.Int64, strict=False)
        status = status.when(key.cast(pl.String).ne_missing(pl.col("customer_id"))).then(pl.lit(_ODD_ID, pl.Int8))
        keys.append(key.alias("_key"))
    return rows.select(*(c.field for c in columns), *keys, _status=status.otherwise(pl.lit(_KEPT, pl.Int8)))


def _account(spec: DatasetSpec, rows: pl.LazyFrame, extent: tuple[str, ...], plausible: tuple,
             rising: bool = False) -> pl.LazyFrame:
    """Rows of each status; over the rows the held road deduplicates (kept or filtered by `where:`) their
    distinct id hashes, the others' null counted as one more value, or with `rising` whether every one is an
    integer above the one before (distinct integers are distinct texts: a running comparison, where counting
    10M hashes took 1 s more CPU and 190 MB more memory); over the kept ones, the first and last plausible
    date of each extent field and the number of currencies. when/then, not filter: a filter in an
    aggregation made this pass 1.5x slower at 1M orders."""
    names = rows.collect_schema().names()
    kept = pl.col("_status") == _KEPT
    deduplicated = pl.col("_status").is_in([_KEPT, _FILTERED])
    spans = []
    for f in (f for f in extent if f in names):
        dates = pl.when(kept & pl.col(f).is_between(*plausible)).then(pl.col(f))
        spans += [dates.min().alias(f"_min_{f}"), dates.max().alias(f"_max_{f}")]
    key = CANONICAL[spec.name].id_field
    ids = pl.when(deduplicated).then(pl.col(key).hash()).n_unique() if _proves_ids(spec, rows) else None
    if rising:
        number = pl.when(deduplicated).then(pl.col(key).cast(pl.Int64, strict=False))
        ids = ((number.count() == deduplicated.sum()) & (number.drop_nulls().diff().min().fill_null(1) > 0))
    currencies = pl.when(kept).then(pl.col("currency")).drop_nulls().n_unique() if "currency" in names else pl.lit(0)
    return rows.select(
        *((pl.col("_status") == status).sum().alias(f"_{status}") for status in _STATUSES),
        (ids if ids is not None else pl.lit(None, pl.UInt32)).alias("_rising" if rising else "_ids"),
        currencies.alias("_currencies"), *spans)


def _proves_ids(spec: DatasetSpec, rows: pl.LazyFrame) -> bool:
    """Whether the held road would deduplicate the dataset by its id, so that the account must prove them distinct."""
    return spec.deduplicate and CANONICAL[spec.name].id_field in rows.collect_schema().names()


def _in_one_query(spec: DatasetSpec, rows: pl.LazyFrame, grouping: Grouping, columns, customers,
                  extent: tuple[str, ...], plausible: tuple) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The account and the group_by from one streaming group_by of every row, by its status as well: two
    queries over one scan (collect_all) held up to 300 MB of the scan's morsels for the slower one (10M
    orders), one query streams in ~70 MB. So the account takes only statistics that add up across groups:
    rows, the first and last plausible date, the smallest step between consecutive ids (computed row by row
    before grouping, in file order: the proof by rising ids) and the currencies' bounds. Only the kept rows
    have a period and --by values; the other statuses are one group each."""
    key, names, proves_ids = CANONICAL[spec.name].id_field, rows.collect_schema().names(), _proves_ids(spec, rows)
    kept = pl.col("_status") == _KEPT
    number = pl.when(pl.col("_status").is_in([_KEPT, _FILTERED])).then(pl.col(key).cast(pl.Int64, strict=False)) \
        if proves_ids else pl.lit(None, pl.Int64)
    keyed = _keyed(rows.with_columns(_number=number, _step=number.diff()), grouping, columns, customers, True)
    account = {"__rows": pl.len(), "__numbers": pl.col("_number").count(), "__step": pl.col("_step").min()}
    for f in (f for f in extent if f in names):
        dates = pl.when(pl.col(f).is_between(*plausible)).then(pl.col(f))
        account |= {f"_min_{f}": dates.min(), f"_max_{f}": dates.max()}
    if "currency" in names:
        account |= {"__currency_low": pl.col("currency").min(), "__currency_high": pl.col("currency").max()}
    groups = keyed.with_columns(pl.when(kept).then(pl.col(k)).alias(k) for k in ("period_start", *grouping.by))
    every = groups.group_by(["_status", "period_start", *grouping.by]).agg(**grouping.aggregations, **account) \
        .collect(engine="streaming")
    grouped = every.filter(kept & pl.col("period_start").is_not_null()).select(
        "period_start", *grouping.by, *grouping.aggregations)
    return _summed_account(every, proves_ids), grouped


def _summed_account(every: pl.DataFrame, proves_ids: bool) -> pl.DataFrame:
    """The account _account gives, from _in_one_query's groups (`_ids` null: no id to prove distinct)."""
    kept = every.filter(pl.col("_status") == _KEPT)
    deduplicated = every.filter(pl.col("_status").is_in([_KEPT, _FILTERED]))
    low, high = (kept[c].min() if c in every.columns else None for c in ("__currency_low", "__currency_high"))
    step = every["__step"].min()
    rising = deduplicated["__numbers"].sum() == deduplicated["__rows"].sum() and (step is None or step > 0)
    return pl.DataFrame({
        **{f"_{status}": [every.filter(pl.col("_status") == status)["__rows"].sum()] for status in _STATUSES},
        **({"_rising": [rising]} if proves_ids else {"_ids": pl.Series([None], dtype=pl.UInt32)}),
        "_currencies": [0 if low is None else 1 if low == high else 2],
        **{name: pl.Series([kept[name].min() if name.startswith("_min_") else kept[name].max()],
                           dtype=every.schema[name]) for name in every.columns if name.startswith(("_min_", "_max_"))},
    })


def _keyed(rows: pl.LazyFrame, grouping: Grouping, columns, customers, every_row: bool = False) -> pl.LazyFrame:
    """Kept rows (or `every_row`), their --by fields typed as held (Categorical keys), with the customers' --by
    columns and period_start (null: in no period)."""
    kept = rows if every_row else rows.filter(pl.col("_status") == _KEPT)
    kept = kept.with_columns(held(c) for c in columns if c.field in grouping.by)
    if isinstance(customers, dict):
        kept = kept.with_columns(**customers)
    elif customers is not None and customers.width > 1:
        kept = kept.join(customers.lazy(), on="_key" if "_key" in customers.columns else "customer_id", how="left")
    return kept.with_columns(period_start=grouping.period_start)


def _grouped(keyed: pl.LazyFrame, grouping: Grouping) -> pl.LazyFrame:
    """The keyed rows grouped by period and --by fields. One group_by: Polars 2.1's collect_all shares the scan
    between two queries (this and the account) but not three, so a dataset with group_bys by two time fields
    is held (context.py)."""
    return (keyed.filter(pl.col("period_start").is_not_null())
            .group_by(["period_start", *grouping.by]).agg(**grouping.aggregations))


def _with_narrow(account: pl.LazyFrame, keyed: pl.LazyFrame, grouping: Grouping,
                 narrow: tuple[str, ...]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The account, the group_by and the kept rows' `narrow` fields from one scan: a third query would scan
    the file again (10M orders: 17 s CPU against 7), so the second one holds the kept rows of the columns the
    group_by and `narrow` read, grouped in memory after the scan (the held road's group_by, on the same rows
    in the same order)."""
    inputs = {name for expr in grouping.aggregations.values() for name in expr.meta.root_names()}
    wanted = list(dict.fromkeys(["period_start", *grouping.by, *sorted(inputs), *narrow]))
    account, kept = pl.collect_all([account, keyed.select(wanted)], engine="streaming", optimizations=_SHARED)
    kept = kept.rechunk()
    return account, _grouped(kept.lazy(), grouping).collect(), kept.select(narrow)

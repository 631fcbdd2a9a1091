"""What a metric plan sees: canonical frames bucketed into periods, with the --by columns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from crmctl.config import Config
from crmctl.domain.datasets import CANONICAL
from crmctl.errors import DataError
from crmctl.domain.periods import Calendar, Window
from crmctl.read.load import Loaded


# A table indexed by customer id, up to this many slots per customer, beats a join (ids 1..n are dense).
_DENSE = 4


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


@dataclass
class ReportContext:
    config: Config
    calendar: Calendar
    by: tuple[str, ...]
    window: Window | None
    datasets: dict[str, Loaded]
    customer_dims: tuple[str, ...] = ()  # --by fields that come from customers
    span: tuple[dt.date, dt.date] | None = None  # first and last day of the data
    activity: str | None = None  # the activity model (activity.py)
    spans: dict = field(default_factory=dict)  # dataset -> its first and last day
    _cache: dict = field(default_factory=dict)
    # (dataset, time field) -> name -> aggregation: what the report's metrics declared (aggregate())
    _aggregations: dict = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        return ["period_start", *self.by]

    def knob(self, name: str):
        return self.config.knob(name)

    def shared(self, name: str, build):
        """One LazyFrame per report for intermediates several metrics read (e.g. activity spells)."""
        if name not in self._cache:
            self._cache[name] = build()
        return self._cache[name]

    def materialised(self, lf: pl.LazyFrame) -> pl.LazyFrame:
        """An intermediate that several metrics read, computed once per report (Polars does not find
        common subplans across the metrics' joins)."""
        return lf.collect().lazy()

    def frame(self, dataset: str, time_field: str | None = None, source: pl.LazyFrame | None = None) -> pl.LazyFrame:
        """A dataset's rows (or `source`, derived from them) with --by columns and period_start.

        One plan object per dataset and time field, so collect_all computes a shared join once.
        """
        time_field = time_field or CANONICAL[dataset].time_field
        if source is not None:
            return self.bucketed(self.with_customer_dims(source), time_field)
        return self.shared(f"frame:{dataset}:{time_field}", lambda: self.bucketed(self.joined(dataset), time_field))

    def declare(self, dataset: str, time_field: str | None, aggregations: dict[str, pl.Expr]) -> dict:
        """Adds a metric's aggregations to the one group_by of its dataset and time field. A name means one
        aggregation: metrics that need the same statistic (revenue and average order value: the sum of
        amounts) declare it under the same name and share it."""
        key = (dataset, time_field or CANONICAL[dataset].time_field)
        declared = self._aggregations.setdefault(key, {})
        for name, expr in aggregations.items():
            if name in declared and not declared[name].meta.eq(expr):
                raise ValueError(f"two metrics declare different aggregations named {name!r} over {key}")
            declared.setdefault(name, expr)
        return declared

    def aggregate(self, dataset: str, time_field: str | None, aggregations: dict[str, pl.Expr]) -> pl.LazyFrame:
        """keys + every aggregation declared over `dataset` by `time_field` (these included), from one group_by:
        Polars computes a group_by once for all the metrics of collect_all only when it is the same plan.
        Metrics declare theirs before planning (report.prepare) so that they all get that same plan."""
        declared = self.declare(dataset, time_field, aggregations)
        names = tuple(sorted(declared))
        read = self.datasets[dataset].aggregates
        if read is not None:  # the aggregated road computed every declared group_by in its scan
            return read[time_field or CANONICAL[dataset].time_field].lazy().select(*self.keys, *names)
        return self.shared(f"aggregate:{dataset}:{time_field}:{names}", lambda: self.frame(dataset, time_field)
                           .group_by(self.keys).agg(**{name: declared[name] for name in names}))

    def joined(self, dataset: str) -> pl.LazyFrame:
        """A dataset's rows with the customers' --by columns, added once per report. Polars does not share
        a join between the metrics' plans, and a join would copy every column: looking ids up adds only
        the new columns to the frame already in memory."""
        return self.shared(f"joined:{dataset}", lambda: self.looked_up(self.datasets[dataset].frame).lazy())

    def looked_up(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`frame` (with customer_id) plus the customers' --by columns it lacks, looked up, not joined."""
        dims = [d for d in self.by if d in self.customer_dims and d not in frame.columns]
        if not dims:
            return frame
        customers, keys = self._customers_keyed()
        return frame.with_columns(_look_up(frame["customer_id"], customers, dims, keys))

    def _customers_keyed(self) -> tuple[pl.DataFrame, pl.Series | None]:
        """The customers (one row per id, the last) and their ids as integers, if they are (integer_ids)."""
        def build():
            customers = self.datasets["customers"].frame.unique("customer_id", keep="last")
            return customers, integer_ids(customers["customer_id"])

        return self.shared("customers_keyed", build)

    def with_customer_dims(self, lf: pl.LazyFrame) -> pl.LazyFrame:
        joined = [d for d in self.by if d in self.customer_dims and d not in lf.collect_schema().names()]
        if not joined:
            return lf
        customers = self.datasets["customers"].frame.lazy().unique("customer_id", keep="last")
        return lf.join(customers.select("customer_id", *joined), on="customer_id", how="left")

    def bucketed(self, lf: pl.LazyFrame, time_field: str) -> pl.LazyFrame:
        """Adds period_start from `time_field`; rows without a time, or outside an `all` window, drop out.

        With no window (no dataset of the report has a date: a snapshot export), every row is in the one
        timeless period, as a snapshot's churn rate is (period_start null)."""
        time = pl.col(time_field)
        if self.window is None:
            return lf.with_columns(period_start=pl.lit(None, pl.Date))
        if self.calendar.period == "all":
            start, end = midnight(self.window.start), midnight(self.window.end + dt.timedelta(days=1))
            return lf.filter((time >= start) & (time < end)).with_columns(period_start=pl.lit(self.window.start))
        return lf.with_columns(period_start=self.calendar.bucket(time)).filter(pl.col("period_start").is_not_null())

    def first_period(self) -> dt.date | None:
        """The first period of the report's grid (the data may start before the window)."""
        if self.window is None:
            return None
        first = min(self.window.start, self.span[0]) if self.span else self.window.start
        return self.calendar.start_of(first)

    def bounds(self) -> pl.LazyFrame:
        """Each reported period with its first instant `_from` and the next period's first instant `_to`."""
        return self.shared("bounds", self._bounds)

    def _bounds(self) -> pl.LazyFrame:
        if self.window is None:  # no dated data: no period has bounds
            starts, ends = [], []
        elif self.calendar.period == "all":
            starts = [self.window.start]
            ends = [self.window.end + dt.timedelta(days=1)]
        else:
            first = min(self.window.start, self.span[0]) if self.span else self.window.start
            starts = self.calendar.starts(first, self.window.end)
            ends = pl.select(self.calendar.shift(pl.lit(pl.Series(starts)), 1)).to_series().to_list()
        return pl.LazyFrame({
            "period_start": pl.Series(starts, dtype=pl.Date),
            "_from": [midnight(d) for d in starts],
            "_to": [midnight(d) for d in ends],
        }, schema={"period_start": pl.Date, "_from": pl.Datetime("us"), "_to": pl.Datetime("us")})


def _look_up(ids: pl.Series, customers: pl.DataFrame, dims: list[str],
             customer_keys: pl.Series | None = None) -> list[pl.Series]:
    """The customers' `dims` for each id. Ids that are all plain integers on both sides (most exports')
    are looked up as integers; other ids are joined on 64-bit hashes, then checked against the ids
    themselves (so a collision never assigns a segment): 1.5-2.5x faster than replace_strict on strings.
    When two customers' ids share a hash, the plain lookup runs instead."""
    customer_keys = integer_ids(customers["customer_id"]) if customer_keys is None else customer_keys
    keys = integer_ids(ids) if customer_keys is not None else None
    if keys is not None:
        return _integer_look_up(keys, customer_keys, customers, dims)
    keyed = customers.select(_hash=pl.col("customer_id").hash(), _id="customer_id", *dims)
    if keyed["_hash"].n_unique() < keyed.height:
        return [ids.replace_strict(customers["customer_id"], customers[d], default=None).alias(d) for d in dims]
    found = pl.DataFrame({"_hash": ids.hash(), "_mine": ids}).join(keyed, on="_hash", how="left", maintain_order="left")
    same = found["_id"] == found["_mine"]
    return [found.select(pl.when(same).then(pl.col(d))).to_series().alias(d) for d in dims]


def integer_ids(ids: pl.Series) -> pl.Series | None:
    """The ids as Int64 when every one is written exactly as the integer prints (no "+", no leading
    zero, no space), else None: "007" and "7" are two customers, so ids are held as integers only when
    the round trip gives every text back. Checked on a sample first:
    e-mails and "C-001" fail there at no cost."""
    for sample in (ids.head(1000), ids):
        values = sample.cast(pl.Int64, strict=False)
        if values.null_count() != sample.null_count() or not (values.cast(pl.String) == sample).all():
            return None
    return values


def _integer_look_up(keys: pl.Series, customer_keys: pl.Series, customers: pl.DataFrame,
                     dims: list[str]) -> list[pl.Series]:
    """Integer ids (customers' unique): a gather from a table indexed by id when the ids are dense
    (4x faster than the hashed join at 1M customers), else an integer join."""
    low, high = customer_keys.min(), customer_keys.max()
    if high is None or customer_keys.null_count() or high - low > _DENSE * customer_keys.len() + 1024:
        table = pl.DataFrame({"_key": customer_keys}).with_columns(customers.select(dims))
        found = keys.rename("_key").to_frame().join(table, on="_key", how="left", maintain_order="left")
        return [found[d] for d in dims]
    slots = (customer_keys - low).cast(pl.Int64)
    # Bounds tested on the ids themselves: id - low could overflow for an id far outside the table.
    at = (keys - low).zip_with(keys.is_between(low, high).fill_null(False), pl.Series([None], dtype=pl.Int64))
    return [pl.repeat(None, high - low + 1, dtype=customers[d].dtype, eager=True).scatter(slots, customers[d])
            .gather(at).alias(d) for d in dims]


def read_aggregated(config: Config, spec, plan, calendar: Calendar, datasets: dict[str, Loaded], name: str,
                    fields: set[str], shared: dict) -> Loaded | None:
    """Dataset `name` by the aggregated road (read/aggregate.py): the group_bys its metrics declare, bucketed
    and joined as ReportContext.aggregate would, computed in the scan; None when it must be read held.
    `datasets` holds what was read before (the customers, for their --by columns); `shared` carries the
    customers keyed by id (ReportContext._customers_keyed) from one dataset to the next and to the report."""
    from crmctl.read.aggregate import Grouping, load_aggregated, stream_schema
    from crmctl.read.quality import PLAUSIBLE_FROM

    try:
        schema = stream_schema(config.datasets[name], config, fields)
    except (DataError, pl.exceptions.PolarsError):  # the held road meets it again and says what is wrong
        return None
    dims = [d for d in spec.by if d not in schema]
    if not schema or (dims and (set(dims) - set(plan.customer_dims) or "customers" not in datasets)):
        return None
    # The metrics' declarations, made as the real context will make them (they may look at the columns).
    provisional = ReportContext(config, calendar, spec.by, None, {**datasets, name: Loaded(name, pl.DataFrame(
        schema=schema), [])}, plan.customer_dims, _cache=dict(shared))
    for metric in plan.all_metrics:
        if metric.aggregates and metric.dataset == name:
            provisional.declare(name, metric.time_field, metric.aggregates(provisional))
    if dims:  # only this of its cache is the report's
        shared["customers_keyed"] = provisional._customers_keyed()
    if len(provisional._aggregations) != 1:
        # Polars 2.1's collect_all shares a scan between two queries, not three; exploding each row into every
        # time field's period, or a second pass, made tickets' read 2x slower at 1M (2.1 and 1.7 s against 0.8 s
        # held): such a dataset is held.
        return None
    (_, key), declared = next(iter(provisional._aggregations.items()))
    customers = _gathered(*shared["customers_keyed"], dims) if dims else None
    try:
        loaded = load_aggregated(config.datasets[name], config, fields, key, Grouping(
            calendar.bucket(pl.col(key)), spec.by, dict(declared)), customers, CANONICAL[name].extent_fields,
            (PLAUSIBLE_FROM, dt.datetime.now()))
    except DataError:
        return None
    if loaded is None or not any(first is not None for first, _ in loaded.extents.values()):
        return None
    loaded.frame = pl.DataFrame(schema=schema)
    return loaded


def _gathered(customers: pl.DataFrame, keys: pl.Series | None, dims: list[str]) -> pl.DataFrame | dict[str, pl.Expr]:
    """The customers' `dims` for the aggregated road: by customer_id when the ids are not all integers (keys
    None); for integer ids (`_key`), a gather from a table indexed by id when they are dense (as
    _integer_look_up does: in the stream, 0.05 s where a join costs 0.1-0.13 s per 3M surveys), else a frame
    to join on `_key`."""
    if keys is None:
        return customers.select("customer_id", *dims)
    low, high = keys.min(), keys.max()
    if high is None or keys.null_count() or high - low > _DENSE * keys.len() + 1024:
        return customers.select(*dims).with_columns(_key=keys)
    slots = (keys - low).cast(pl.Int64)
    at = pl.when(pl.col("_key").is_between(low, high)).then(pl.col("_key") - low)
    tables = {d: pl.repeat(None, high - low + 1, dtype=customers[d].dtype, eager=True).scatter(slots, customers[d])
              for d in dims}
    return {d: pl.lit(table).gather(at).alias(d) for d, table in tables.items()}

"""What a metric plan sees: canonical frames bucketed into periods, with the --by columns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from crmctl.config import Config
from crmctl.context.declarations import Declarations
from crmctl.context.keys import keyed_customers, look_up
from crmctl.domain.datasets import CANONICAL
from crmctl.domain.periods import Calendar, Window
from crmctl.domain.timeline import day_end, midnight
from crmctl.read.load import Loaded


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
    declarations: Declarations | None = None  # the group_bys the report's metrics declared (aggregate())

    def __post_init__(self):
        if self.declarations is None:
            self.declarations = Declarations(self.config, {name: d.frame.schema for name, d in self.datasets.items()})

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

    def columns(self, dataset: str) -> list[str]:
        """A dataset's columns, as a metric's `aggregates` sees them (context/declarations.py)."""
        return self.datasets[dataset].frame.columns

    def aggregate(self, dataset: str, time_field: str | None, aggregations: dict[str, pl.Expr]) -> pl.LazyFrame:
        """keys + every aggregation declared over `dataset` by `time_field` (these included), from one group_by:
        Polars computes a group_by once for all the metrics of collect_all only when it is the same plan.
        Metrics declare theirs before planning (report.prepare) so that they all get that same plan."""
        declared = self.declarations.declare(dataset, time_field, aggregations)
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
        customers, keys = self.customers_keyed()
        return frame.with_columns(look_up(frame["customer_id"], customers, dims, keys))

    def customers_keyed(self) -> tuple[pl.DataFrame, pl.Series | None]:
        return self.shared("customers_keyed", lambda: keyed_customers(self.datasets["customers"].frame))

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
            start, end = midnight(self.window.start), day_end(self.window.end)
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



"""The report window pushed down into database reads, as a WHERE on the time fields (docs/scale.md).

A database dataset whose selected metrics only count its rows per period (each declares its group_by, as
on the aggregated road) needs no row dated outside the periods the report computes: the window's, the one
before it (a growth compares with it) and, with --compare, the compared ones. Its SELECT then asks for the
rows with any time field in those periods, a day or two wider either side (the database compares in its
own time zone, crmctl buckets in the config's) and crmctl cuts them exactly as it cuts a file's.

The window is pushed when one is given: --from, --to (or report.from/to), --last. `--last` alone hangs on
the data's last day, which the database is asked for first (and checked once read). Never for what needs
rows outside the periods: the activity model (retention, churn, active customers), the customers (every
customer's segment), data-quality metrics.

What the report shows of the rows left out is their dates' reach: an empty period inside the data counts 0,
outside it "no data". `must_read_whole` checks that the rows read reach the first and last period the
report computes, or that the database held nothing plausible beyond them; where neither holds, the dataset
is read again whole, so the numbers never depend on the push-down.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from crmctl.config import Config, ReportSpec
from crmctl.domain.datasets import CANONICAL
from crmctl.domain.periods import Calendar, resolve_window
from crmctl.domain.timeline import day_end, midnight
from crmctl.read.database import RowWindow, latest_day
from crmctl.read.loaded import Loaded
from crmctl.report.plan import Plan, counted_by_period

MARGIN = dt.timedelta(days=2)  # wider than any time zone's offset (±14 h), so the database cuts no row crmctl keeps


@dataclass(frozen=True)
class Reach:
    """The first and last period the report computes (None: an end the window leaves to the data)."""

    first: dt.date | None
    last: dt.date | None


def reach(spec: ReportSpec, calendar: Calendar, latest: dt.date | None = None) -> Reach:
    """The periods a window fixed before reading computes; with `--last` alone, counted back from `latest`
    (the data's last day as estimated, or as found once read)."""
    start, end = spec.start, spec.end
    if spec.last is not None and (end or latest) is not None:
        start = resolve_window(None, end or latest, spec.last, None, calendar).start
    if calendar.period == "all":
        return Reach(start, end)
    first = _earlier(calendar.start_of(start), calendar, spec.compare) if start else None
    return Reach(first, calendar.start_of(end) if end else None)


def _earlier(first: dt.date, calendar: Calendar, compare: str | None) -> dt.date:
    """The period before the window's first (a growth's previous), and before that what --compare reads."""
    back = 2 if compare == "previous" else 1
    first = pl.select(calendar.shift(pl.lit(first), -back)).item()
    if compare == "year":
        first = pl.select(pl.lit(first).dt.offset_by("-52w" if calendar.period == "week" else "-1y")).item()
    return first


def pushdowns(config: Config, spec: ReportSpec, plan: Plan, calendar: Calendar) -> tuple[dict[str, RowWindow], Reach]:
    """The window of each database dataset that may be read narrowed (none when nothing fixes the window),
    and the periods it was cut for. `--last` alone counts back from the narrowed datasets' last day in the
    database, two days early (a filtered or implausible last row): `must_read_whole` checks the guess."""
    narrowed = {name: _fields(plan, name, config.datasets[name]) for name in counted_by_period(config, plan)
                if config.datasets[name].source is not None}
    narrowed = {name: fields for name, fields in narrowed.items() if fields}
    if not narrowed or plan.quality or (spec.period == "all" and spec.compare):  # before asking any database
        return {}, reach(spec, calendar)
    latest = None
    if spec.last is not None and spec.start is None and spec.end is None:
        days = [latest_day(config.datasets[name], [config.datasets[name].columns[f] for f in fields])
                for name, fields in narrowed.items()]
        latest = max((d for d in days if d), default=None)
        latest = latest - MARGIN if latest else None
    periods = reach(spec, calendar, latest)
    if periods.first is None and periods.last is None:
        return {}, periods
    since = midnight(periods.first) - MARGIN if periods.first else None
    before = _after(periods.last, calendar) + MARGIN if periods.last else None
    return {name: RowWindow(fields, since, before) for name, fields in narrowed.items()}, periods


def _fields(plan: Plan, name: str, dataset) -> tuple[str, ...]:
    """The time fields a row of `name` is placed by: its metrics' and its extent fields, where mapped."""
    times = (m.time_field or CANONICAL[name].time_field for m in plan.all_metrics
             if m.aggregates and plan.capabilities.dataset_of(m) == name)
    return tuple(f for f in dict.fromkeys((*times, *CANONICAL[name].extent_fields)) if f in dataset.columns)


def _after(last: dt.date, calendar: Calendar) -> dt.datetime:
    """The first instant after the last period computed (after the window's last day, for `all`)."""
    if calendar.period == "all":
        return day_end(last)
    return midnight(pl.select(calendar.shift(pl.lit(last), 1)).item())


def must_read_whole(loaded: Loaded, span: tuple[dt.date, dt.date] | None, pushed: Reach, actual: Reach,
                    calendar: Calendar) -> bool:
    """Whether a narrowed read could change what the report shows: it was cut after the first period the
    report computes (`actual`, once the window is known: `--last` alone guessed it), or rows left in the
    database are dated before (after) the window and the rows read do not reach into the first (last)
    period computed, so the data's first (last) day, which decides 0 or "no data" for an empty period,
    might lie elsewhere."""
    if loaded.pushed is None:
        return False
    if pushed.first is not None and (actual.first is None or actual.first < pushed.first):
        return True
    if span is None:
        return loaded.pushed.earlier or loaded.pushed.later
    start_of = calendar.start_of if calendar.period != "all" else (lambda day: day)
    early = loaded.pushed.earlier and actual.first is not None and start_of(span[0]) > actual.first
    late = loaded.pushed.later and actual.last is not None and start_of(span[1]) < actual.last
    return early or late

"""The report window pushed down into database reads, as a WHERE on the time fields (docs/scale.md).

A database dataset whose selected metrics only count its rows per period (each declares its group_by, as
on the aggregated road) needs no row dated outside the periods the report computes: the window's, the one
before it (a growth compares with it) and, with --compare, the compared ones. Its SELECT then asks for the
rows with any time field in those periods, a day or two wider either side (the database compares in its
own time zone, crmctl buckets in the config's) and crmctl cuts them exactly as it cuts a file's.

Only a window fixed before reading is pushed: --from and --to (or report.from/to), or --last with --to.
`--last` alone hangs on the data's last day, known only once everything is read. Never for what needs
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
from crmctl.read.database import RowWindow
from crmctl.read.loaded import Loaded
from crmctl.report.plan import Plan, counted_by_period

MARGIN = dt.timedelta(days=2)  # wider than any time zone's offset (±14 h), so the database cuts no row crmctl keeps


@dataclass(frozen=True)
class Reach:
    """The first and last period the report computes (None: an end the window leaves to the data)."""

    first: dt.date | None
    last: dt.date | None


def reach(spec: ReportSpec, calendar: Calendar) -> Reach:
    start, end = spec.start, spec.end
    if spec.last is not None and end is not None:
        start = resolve_window(None, end, spec.last, None, calendar).start
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


def pushdowns(config: Config, spec: ReportSpec, plan: Plan, calendar: Calendar) -> dict[str, RowWindow]:
    """The window of each database dataset that may be read narrowed (none when nothing fixes the window)."""
    periods = reach(spec, calendar)
    if (periods.first is None and periods.last is None) or plan.quality or (spec.period == "all" and spec.compare):
        return {}
    since = midnight(periods.first) - MARGIN if periods.first else None
    before = _after(periods.last, calendar) + MARGIN if periods.last else None
    windows = {}
    for name in counted_by_period(config, plan):
        dataset = config.datasets[name]
        if dataset.source is None:
            continue
        times = (m.time_field or CANONICAL[name].time_field for m in plan.all_metrics
                 if m.aggregates and plan.capabilities.dataset_of(m) == name)
        fields = tuple(f for f in dict.fromkeys((*times, *CANONICAL[name].extent_fields)) if f in dataset.columns)
        if fields:
            windows[name] = RowWindow(fields, since, before)
    return windows


def _after(last: dt.date, calendar: Calendar) -> dt.datetime:
    """The first instant after the last period computed (after the window's last day, for `all`)."""
    if calendar.period == "all":
        return day_end(last)
    return midnight(pl.select(calendar.shift(pl.lit(last), 1)).item())


def must_read_whole(loaded: Loaded, span: tuple[dt.date, dt.date] | None, periods: Reach,
                    calendar: Calendar) -> bool:
    """Whether a narrowed read could change what the report shows: rows left in the database are dated
    before (after) the window and the rows read do not reach into the first (last) period computed, so the
    data's first (last) day, which decides 0 or "no data" for an empty period, might lie elsewhere."""
    pushed = loaded.pushed
    if pushed is None:
        return False
    if span is None:
        return pushed.earlier or pushed.later
    start_of = calendar.start_of if calendar.period != "all" else (lambda day: day)
    early = pushed.earlier and periods.first is not None and start_of(span[0]) > periods.first
    late = pushed.later and periods.last is not None and start_of(span[1]) < periods.last
    return early or late

"""Time arithmetic on calendar days: midnights, the end of a day, a date moved by a span such as `12m`.

"As of" a day means up to the end of that day: every row dated before the midnight after it.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from crmctl.domain.periods import OFFSET_UNITS, parse_last


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def day_end(day: dt.date) -> dt.datetime:
    """The end of `day`: the midnight after it (rows before it are on or before the day)."""
    return midnight(day + dt.timedelta(days=1))


def moved(day: dt.date, span: str) -> dt.date:
    """`day` moved on by `span` (`12m`: the same day a year on), on the calendar as Polars moves it."""
    count, unit = parse_last(span)
    return pl.select(pl.lit(day).dt.offset_by(f"{count}{OFFSET_UNITS[unit]}")).item()


def span_weeks(day: dt.date, span: str) -> float:
    """The calendar span from `day` to `day` + `span`, in weeks."""
    return (moved(day, span) - day).days / 7.0

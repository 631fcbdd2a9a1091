"""Period bucketing and the report window.

Timestamps arrive here as naive local time in the config's zone (read/cells.py converts zoned values),
so a period is cut on the local calendar: an order at 23:30 on 31 January in Europe/Berlin belongs
to January even though it is February in UTC... and vice versa.

A period is [start, next start). Weeks start on `week_start`; quarters and years start on
`fiscal_year_start_month`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from crmctl.errors import UsageError

WEEKDAY_INDEX = {d: i for i, d in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
# Polars' duration units for each period (offset_by, truncate, date_range)
OFFSET_UNITS = {"day": "d", "week": "w", "month": "mo", "quarter": "q", "year": "y"}
_LAST_UNITS = {"d": "day", "w": "week", "m": "month", "q": "quarter", "y": "year"}


@dataclass(frozen=True)
class Calendar:
    period: str = "month"  # day | week | month | quarter | year | all
    week_start: str = "monday"
    fiscal_year_start_month: int = 1

    def _offset(self) -> str | None:
        """How far this calendar's periods sit from Polars' (Monday weeks, January years)."""
        if self.period == "week" and self.week_start != "monday":
            return f"{WEEKDAY_INDEX[self.week_start]}d"
        if self.period in ("quarter", "year") and self.fiscal_year_start_month != 1:
            return f"{self.fiscal_year_start_month - 1}mo"
        return None

    def bucket(self, expr: pl.Expr) -> pl.Expr:
        """The start of the period each timestamp falls in (a Date)."""
        step, offset = f"1{OFFSET_UNITS[self.period]}", self._offset()
        if offset is None:
            return expr.dt.truncate(step).dt.date()
        return expr.dt.offset_by(f"-{offset}").dt.truncate(step).dt.offset_by(offset).dt.date()

    def shift(self, expr: pl.Expr, n: int) -> pl.Expr:
        """Period starts moved by n periods (n < 0: earlier); with one period (`all`) there is none."""
        if self.period == "all":
            return pl.lit(None, pl.Date)
        return expr.dt.offset_by(f"{n}{OFFSET_UNITS[self.period]}")

    def start_of(self, day: dt.date) -> dt.date:
        return pl.select(self.bucket(pl.lit(dt.datetime.combine(day, dt.time())))).item()

    def starts(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """Every period start from the period holding `first` to the one holding `last`."""
        lo, hi = self.start_of(first), self.start_of(last)
        return pl.date_range(lo, hi, f"1{OFFSET_UNITS[self.period]}", eager=True).to_list()

    def end_of(self, expr: pl.Expr) -> pl.Expr:
        """The last day (inclusive) of the period starting at `expr`."""
        return self.shift(expr, 1).dt.offset_by("-1d")


def parse_last(text: str) -> tuple[int, str]:
    """`12m` → (12, "month"). Units: d, w, m, q, y."""
    match = re.fullmatch(r"\s*(\d+)\s*([dwmqy])\s*", str(text).lower())
    if not match or int(match.group(1)) < 1:
        raise UsageError(f"--last {text!r}: expected a count and a unit such as 30d, 8w, 12m, 4q or 2y")
    return int(match.group(1)), _LAST_UNITS[match.group(2)]


@dataclass(frozen=True)
class Window:
    """The report's date range, both ends inclusive. Every period that overlaps it is reported in full."""

    start: dt.date
    end: dt.date

    def __str__(self) -> str:
        return f"{self.start.isoformat()} .. {self.end.isoformat()}"


def resolve_window(start: dt.date | None, end: dt.date | None, last: str | None,
                   data_span: tuple[dt.date, dt.date] | None, calendar: Calendar) -> Window | None:
    """The window from --from/--to/--last, filling open ends from the data's own first and last day.

    `--last N<unit>` counts back N calendar units from the period holding the end date (--to, else
    the data's last day, so a report on a stale export is never silently empty), the current partial
    unit included: on data ending 2025-06-14, `--last 3m` is 2025-04-01 .. 2025-06-14.
    """
    if last is not None and start is not None:
        raise UsageError("--last and --from both set the window's start: use one of them")
    if data_span is None and (end is None or (start is None and last is None)):
        return None
    end = end or data_span[1]
    if last is not None:
        count, unit = parse_last(last)
        unit_calendar = Calendar(unit, calendar.week_start, calendar.fiscal_year_start_month)
        start = unit_calendar.start_of(end)
        start = pl.select(unit_calendar.shift(pl.lit(start), -(count - 1))).item()
    start = start or data_span[0]
    if start > end:
        raise UsageError(f"the window is empty: start {start} is after end {end}")
    return Window(start, end)

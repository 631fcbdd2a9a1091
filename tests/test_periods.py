"""Period bucketing: week starts, fiscal quarters and years, report windows."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmctl.errors import UsageError
from crmctl.domain.periods import Calendar, parse_last, resolve_window

D = dt.date


def _bucket(calendar: Calendar, when: dt.datetime) -> dt.date:
    return pl.select(calendar.bucket(pl.lit(when))).item()


@pytest.mark.parametrize("week_start,expected", [
    ("monday", D(2024, 1, 1)), ("sunday", D(2023, 12, 31)), ("saturday", D(2023, 12, 30)),
])
def test_week_start(week_start, expected):
    # 2024-01-03 is a Wednesday.
    assert _bucket(Calendar("week", week_start), dt.datetime(2024, 1, 3, 12)) == expected


def test_week_boundary_on_the_start_day():
    calendar = Calendar("week", "sunday")
    assert _bucket(calendar, dt.datetime(2024, 1, 7, 0, 0)) == D(2024, 1, 7)
    assert _bucket(calendar, dt.datetime(2024, 1, 6, 23, 59, 59)) == D(2023, 12, 31)


@pytest.mark.parametrize("day,expected", [
    (D(2024, 3, 31), D(2024, 1, 1)), (D(2024, 4, 1), D(2024, 4, 1)), (D(2024, 6, 30), D(2024, 4, 1)),
    (D(2025, 1, 15), D(2025, 1, 1)), (D(2024, 12, 31), D(2024, 10, 1)),
])
def test_fiscal_quarters_starting_in_april(day, expected):
    assert Calendar("quarter", fiscal_year_start_month=4).start_of(day) == expected


def test_fiscal_year():
    calendar = Calendar("year", fiscal_year_start_month=7)
    assert calendar.start_of(D(2024, 6, 30)) == D(2023, 7, 1)
    assert calendar.start_of(D(2024, 7, 1)) == D(2024, 7, 1)


def test_period_ends_are_inclusive_last_days():
    ends = pl.select(Calendar("month").end_of(pl.lit(D(2024, 2, 1))).alias("a"),
                     Calendar("quarter", fiscal_year_start_month=2).end_of(pl.lit(D(2024, 11, 1))).alias("b")).row(0)
    assert ends == (D(2024, 2, 29), D(2025, 1, 31))


def test_starts_cover_every_period_even_without_data():
    assert Calendar("quarter").starts(D(2024, 2, 10), D(2024, 11, 1)) == [
        D(2024, 1, 1), D(2024, 4, 1), D(2024, 7, 1), D(2024, 10, 1)]


def test_last_counts_back_whole_units_from_the_data_end():
    window = resolve_window(None, None, "3m", (D(2020, 1, 1), D(2025, 6, 14)), Calendar())
    assert (window.start, window.end) == (D(2025, 4, 1), D(2025, 6, 14))
    window = resolve_window(None, D(2024, 12, 31), "2q", None, Calendar())
    assert (window.start, window.end) == (D(2024, 7, 1), D(2024, 12, 31))


def test_window_errors():
    with pytest.raises(UsageError, match="--last 'twelve': expected a count and a unit such as 30d"):
        parse_last("twelve")
    with pytest.raises(UsageError, match="--last and --from both set the window's start"):
        resolve_window(D(2024, 1, 1), None, "3m", (D(2024, 1, 1), D(2024, 5, 1)), Calendar())
    with pytest.raises(UsageError, match="the window is empty: start 2024-05-01 is after end 2024-01-01"):
        resolve_window(D(2024, 5, 1), D(2024, 1, 1), None, None, Calendar())


@settings(max_examples=150, deadline=None)
@given(
    day=st.datetimes(min_value=dt.datetime(1995, 1, 1), max_value=dt.datetime(2035, 12, 31)),
    period=st.sampled_from(["day", "week", "month", "quarter", "year"]),
    week_start=st.sampled_from(["monday", "wednesday", "sunday"]),
    fiscal=st.integers(1, 12),
)
def test_every_timestamp_falls_inside_its_period(day, period, week_start, fiscal):
    calendar = Calendar(period, week_start, fiscal)
    start = _bucket(calendar, day)
    end = pl.select(calendar.end_of(pl.lit(start))).item()
    assert start <= day.date() <= end
    assert _bucket(calendar, dt.datetime.combine(end, dt.time(23, 59))) == start
    assert _bucket(calendar, dt.datetime.combine(end + dt.timedelta(days=1), dt.time())) != start
    if period == "week":
        assert start.strftime("%A").lower() == week_start
    if period in ("quarter", "year"):
        assert (start.month - fiscal) % (3 if period == "quarter" else 12) == 0 and start.day == 1

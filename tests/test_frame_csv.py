"""frame_csv (cells made column by column, by Polars where it can) writes exactly csv_text's text."""

import datetime as dt
import math

import polars as pl
from hypothesis import given, settings, strategies as st

from crmctl.render.base import csv_text, frame_csv

floats = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True),
                   st.floats(min_value=-1e16, max_value=1e16), st.integers(-10**15, 10**15).map(float),
                   st.sampled_from([0.0, -0.0, 1e-4, 9.999e-5, 1e15, 1e15 - 1, 0.1 + 0.2, 1 / 3, 5e-324]))
texts = st.one_of(st.none(), st.text(max_size=6), st.sampled_from([
    "=1+1", "-3", "+x", "@a", "\tz", "a,b", '"q"', "", "-1e5", " 1", "-1,234.50", "+44 20 7946", "-12%", "a\rb",
    "a\nb", "x\x1b[2J", "\u202etxt.exe", "\x85", "é"]))
times = st.one_of(st.none(), st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)))
days = st.one_of(st.none(), st.dates())


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(floats, texts, times, days, st.one_of(st.none(), st.integers(-2**63, 2**63 - 1)),
                          st.one_of(st.none(), st.booleans()), times), min_size=1, max_size=30), st.booleans())
def test_frame_csv_is_csv_text(rows, raw):
    frame = pl.DataFrame(rows, schema={"f": pl.Float64, "s": pl.String, "t": pl.Datetime("us"), "d": pl.Date,
                                       "i": pl.Int64, "b": pl.Boolean, "z": pl.Datetime("us")}, orient="row")
    frame = frame.with_columns(c=pl.col("s").cast(pl.Categorical))  # categories: their text
    plain = frame.drop("z")  # every column on the column-by-column road (unless a text holds a bare \r)
    assert frame_csv(plain, raw) == csv_text(plain.columns, plain.to_dicts(), raw)
    alone = plain.select("s")  # an empty cell alone on its row is quoted (""), else a blank line
    assert frame_csv(alone, raw) == csv_text(alone.columns, alone.to_dicts(), raw)
    zoned = frame.with_columns(pl.col("z").dt.replace_time_zone("UTC"))  # isoformat adds +00:00: csv_text's road
    assert frame_csv(zoned, raw) == csv_text(zoned.columns, zoned.to_dicts(), raw)


def test_cells_as_python_writes_them():
    frame = pl.DataFrame({"f": [1e-05, 3.0, 0.25, math.inf, None, 2e15], "s": ["=SUM(A1)", "-2", None, "x", "a,b", "+"],
                          "t": [dt.datetime(2024, 1, 2, 3, 4, 5), dt.datetime(2024, 1, 2, 3, 4, 5, 60), None,
                                dt.datetime(999, 1, 1), dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1)]})
    assert frame_csv(frame, raw=False).splitlines() == [
        "f,s,t", "1e-05,'=SUM(A1),2024-01-02T03:04:05", "3,-2,2024-01-02T03:04:05.000060", "0.25,,",
        ",x,0999-01-01T00:00:00", ',"a,b",2024-01-01T00:00:00', "2000000000000000.0,'+,2024-01-01T00:00:00"]


def test_datetime_fractions_are_isoformats_six_digits():
    # The fraction is written from the microseconds (zero-padded), and left out when they are 0.
    stamps = [dt.datetime(2024, 5, 6, 7, 8, 9, us) for us in (0, 1, 999, 120000, 999999)]
    frame = pl.DataFrame({"t": stamps})
    assert frame_csv(frame, raw=False).splitlines()[1:] == [s.isoformat() for s in stamps] == [
        "2024-05-06T07:08:09", "2024-05-06T07:08:09.000001", "2024-05-06T07:08:09.000999",
        "2024-05-06T07:08:09.120000", "2024-05-06T07:08:09.999999"]

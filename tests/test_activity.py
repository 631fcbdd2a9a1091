"""Spells: merging a key's intervals, against a plain-Python merge."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from crmctl.context.activity import merge_spells

DAY = dt.datetime(2024, 1, 1)
interval = st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 30), st.one_of(st.none(), st.integers(-3, 15)))


def _plain_merge(rows):
    """Sorts each key's intervals by start and extends the current spell while the next one starts at or
    before its reach (touching intervals join); an open end reaches forever."""
    out = []
    for key in sorted({k for k, _, _ in rows}):
        spans = sorted((s, float("inf") if e is None else e) for k, s, e in rows if k == key)
        spans = [(s, e) for s, e in spans if e >= s]
        current = None
        for s, e in spans:
            if current and s <= current[1]:
                current[1] = max(current[1], e)
            else:
                current = [s, e]
                out.append((key, current))
    return sorted((k, s, None if e == float("inf") else e) for k, (s, e) in out)


@settings(max_examples=200, deadline=None)
@given(st.lists(interval, max_size=12))
def test_merge_matches_a_plain_sweep(raw):
    rows = [(k, s, None if length is None else s + length) for k, s, length in raw]
    frame = pl.LazyFrame(
        {"customer_id": [k for k, _, _ in rows],
         "start": [DAY + dt.timedelta(days=s) for _, s, _ in rows],
         "end": [None if e is None else DAY + dt.timedelta(days=e) for _, _, e in rows]},
        schema={"customer_id": pl.String, "start": pl.Datetime("us"), "end": pl.Datetime("us")})
    merged = merge_spells(frame, ["customer_id"]).collect()
    got = sorted((k, (s - DAY).days, None if e is None else (e - DAY).days) for k, s, e in merged.iter_rows())
    assert got == _plain_merge(rows)


def test_nested_touching_and_open_intervals():
    # a: [1, 10] holds [2, 3] and [5, 8]; [10, 12] touches it. b: [0, 4] then an open one from 6.
    rows = [("a", 1, 10), ("a", 2, 3), ("a", 5, 8), ("a", 10, 12), ("b", 0, 4), ("b", 6, None)]
    assert _plain_merge(rows) == [("a", 1, 12), ("b", 0, 4), ("b", 6, None)]
    frame = pl.LazyFrame({"customer_id": [k for k, _, _ in rows],
                          "start": [DAY + dt.timedelta(days=s) for _, s, _ in rows],
                          "end": [None if e is None else DAY + dt.timedelta(days=e) for _, _, e in rows]})
    merged = merge_spells(frame, ["customer_id"]).sort("customer_id", "start").collect()
    assert merged.rows() == [("a", DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=12)),
                             ("b", DAY, DAY + dt.timedelta(days=4)), ("b", DAY + dt.timedelta(days=6), None)]

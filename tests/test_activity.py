"""Spells: merging a key's intervals, against a plain-Python merge."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from crmctl.context.activity import _transactional, merge_spells
from crmctl.read.loaded import Loaded

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


class _Orders:
    """What activity._transactional reads of a report context: the orders' rows and churn_after_days. The rows
    are the held frame, or (`narrow`) the few fields the aggregated road holds beside an empty frame."""

    def __init__(self, frame: pl.DataFrame, days: int, narrow: bool = False):
        self.datasets = {"orders": Loaded("orders", frame.clear(), [], narrow=frame) if narrow
                         else Loaded("orders", frame, [])}
        self._days = days

    def knob(self, name):
        assert name == "churn_after_days"
        return self._days


def _plain_transactional(rows, days):
    """Per key, events in time order; a gap longer than `days` ends a spell at the last event + days, and a
    spell whose churn date lies after the last event of the whole export stays open."""
    gap, data_end, out = dt.timedelta(days=days), max(row[-1] for row in rows), []
    for key in {row[:-1] for row in rows}:
        times = sorted(row[-1] for row in rows if row[:-1] == key)
        start = last = times[0]
        for t in times[1:] + [None]:
            if t is None or t > last + gap:
                out.append((*key, start, last + gap if last + gap <= data_end else None))
                start = t
            last = t
    return sorted(out, key=repr)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["web", "shop", None]),
                          st.sampled_from(["tie", "gap", "gap-1", "gap+1", "far"]), st.sampled_from([0, 7])),
                min_size=1, max_size=25),
       st.integers(1, 40), st.booleans())
def test_transactional_spells_match_a_plain_walk(raw, days, narrow):
    # Spells of (customer, channel) keys, null channels one key; each key's next event comes at the same
    # instant, exactly `days` later (still the same spell), a day less or more, or 40 days and hours later.
    steps = {"tie": 0, "gap": days, "gap-1": days - 1, "gap+1": days + 1, "far": 40}
    at, rows = {}, []
    for c, ch, step, hours in raw:
        at[c, ch] = at.get((c, ch), DAY) + dt.timedelta(days=steps[step], hours=hours if step == "far" else 0)
        rows.append((c, ch, at[c, ch]))
    frame = pl.DataFrame(rows, schema={"customer_id": pl.String, "channel": pl.String,
                                       "ordered_at": pl.Datetime("us")}, orient="row")
    got = _transactional(_Orders(frame, days, narrow), ["customer_id", "channel"]).collect()
    assert sorted(got.iter_rows(), key=repr) == _plain_transactional(rows, days)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["1", "2", "-30", "4000000000", None, "07"]),
                          st.sampled_from(["tie", "gap", "gap-1", "gap+1", "far"]), st.sampled_from([0, 7]),
                          st.sampled_from([0, 1, 500_000])), min_size=1, max_size=25),
       st.integers(1, 40), st.booleans())
def test_transactional_spells_by_customer_match_a_plain_walk(raw, days, narrow):
    # Keyed by customer alone: integer ids (negative, far apart, null) are sorted with the time as one Int64,
    # in whole seconds or (a microsecond off) not; a "07" among them sends every id the text road.
    steps = {"tie": 0, "gap": days, "gap-1": days - 1, "gap+1": days + 1, "far": 40}
    at, rows = {}, []
    for c, step, hours, micro in raw:
        at[c] = at.get(c, DAY) + dt.timedelta(days=steps[step], hours=hours if step == "far" else 0, microseconds=micro)
        rows.append((c, at[c]))
    frame = pl.DataFrame(rows, schema={"customer_id": pl.String, "ordered_at": pl.Datetime("us")}, orient="row")
    got = _transactional(_Orders(frame, days, narrow), ["customer_id"]).collect()
    assert got.schema["customer_id"] == pl.String
    assert sorted(got.iter_rows(), key=repr) == _plain_transactional(rows, days)

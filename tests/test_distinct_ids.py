"""The proof that a dataset's ids are distinct (read/rows.py: distinct_ids), which lets the held road skip
deduplicating: rising integers by a running comparison, else distinct hashes. It must never say distinct of
ids that repeat, whatever they look like ("007" and "7" are two ids; "7" twice is one)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmctl.read import rows
from crmctl.read.rows import distinct_ids, rising_integers

IDS = st.lists(st.one_of(st.integers(-5, 40).map(str), st.sampled_from(["007", "+7", "7", " 7", "#7", "1e3", None]),
                         st.integers(2**62, 2**64).map(str)), max_size=30)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=IDS, probe=st.sampled_from([2, 1000]))
def test_ids_said_distinct_are_distinct(ids, probe, monkeypatch):
    monkeypatch.setattr(rows, "_RISING_PROBE", probe)
    series = pl.Series("id", ids, dtype=pl.String)
    assert distinct_ids(series) == (series.n_unique() == series.len())  # hashes decide what rising cannot


@settings(max_examples=100, deadline=None)
@given(steps=st.lists(st.integers(1, 10**6), min_size=2, max_size=30), start=st.integers(-10**6, 10**6))
def test_rising_integers_are_proved_by_rising(steps, start):
    numbers = [start + sum(steps[:i]) for i in range(len(steps))]
    assert rising_integers(pl.Series([str(n) for n in numbers]))


@pytest.mark.parametrize("ids", [["1", "2", "2"], ["1", "3", "2"], ["1", "2", "x"], ["1", "2", None], ["5"]])
def test_ids_that_do_not_rise_are_not_proved_by_rising(ids):
    assert not rising_integers(pl.Series(ids, dtype=pl.String))


def test_a_repeat_after_the_probed_rows_is_found(monkeypatch):
    monkeypatch.setattr(rows, "_RISING_PROBE", 3)
    assert not distinct_ids(pl.Series(["1", "2", "3", "4", "4", "5"]))
    assert distinct_ids(pl.Series(["1", "2", "3", "4", "6", "5"]))  # not rising, yet distinct: by the hashes

"""Looking up the customers' --by columns for a dataset's rows, against a plain dict."""

from __future__ import annotations

import re

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from crmctl.context.keys import integer_ids, look_up as _look_up

ids = st.one_of(st.none(), st.sampled_from(["c1", "c2", "c3", "c4", "1", "01", "", "Zoë"]))


@settings(max_examples=150, deadline=None)
@given(customers=st.dictionaries(st.sampled_from(["c1", "c2", "c3", "1", "01", "Zoë"]),
                                 st.tuples(st.one_of(st.none(), st.sampled_from(["SMB", "Enterprise"])),
                                           st.sampled_from(["EU", "US"]))),
       rows=st.lists(ids, max_size=20))
def test_lookup_matches_a_dict(customers, rows):
    frame = pl.DataFrame({"customer_id": list(customers), "segment": [s for s, _ in customers.values()],
                          "region": [r for _, r in customers.values()]},
                         schema={"customer_id": pl.String, "segment": pl.String, "region": pl.String})
    got = _look_up(pl.Series("customer_id", rows, dtype=pl.String), frame, ["segment", "region"])
    assert [s.name for s in got] == ["segment", "region"]
    assert got[0].to_list() == [customers[i][0] if i in customers else None for i in rows]
    assert got[1].to_list() == [customers[i][1] if i in customers else None for i in rows]


def _frame(customers: dict) -> pl.DataFrame:
    return pl.DataFrame({"customer_id": list(customers), "segment": list(customers.values())},
                        schema={"customer_id": pl.String, "segment": pl.Categorical})


@settings(max_examples=30, deadline=None)
@given(numbers=st.lists(st.integers(0, 60), unique=True, max_size=12), sparse=st.booleans(),
       rows=st.lists(st.one_of(st.none(), st.integers(-2, 70).map(str), st.sampled_from(["01", "+1", "1.0", "x"])),
                     max_size=25))
def test_integer_lookup_matches_a_dict(numbers, sparse, rows):
    """Integer ids take the gather (dense) or the integer join (sparse); any other text the hashed road."""
    customers = {str(n * 10**12 if sparse else n): ("SMB", "Enterprise")[n % 2] for n in numbers}
    rows = [(str(int(r) * 10**12) if sparse and r and r.isdigit() and r == str(int(r)) else r) for r in rows]
    got = _look_up(pl.Series("customer_id", rows, dtype=pl.String), _frame(customers), ["segment"])
    assert got[0].to_list() == [customers.get(i) for i in rows]


def test_integer_ids_only_for_plain_integers():
    assert integer_ids(pl.Series(["1", "20", None, "0"])).to_list() == [1, 20, None, 0]
    assert integer_ids(pl.Series(["-1", "1"])).to_list() == [-1, 1]  # prints back as written: one id each
    for text in ("01", "+1", "-01", "-0", "1.0", "1e3", " 1", "C-1", "99999999999999999999"):
        assert integer_ids(pl.Series(["1", text])) is None, text
    assert integer_ids(pl.Series(["1"] * 1000 + ["007"])) is None  # past the first thousand too


def test_dense_integer_lookup_beyond_the_table():
    customers = _frame({"5": "SMB", "6": "Enterprise"})
    got = _look_up(pl.Series(["4", "5", "6", "7", None, "100000"]), customers, ["segment"])
    assert got[0].to_list() == [None, "SMB", "Enterprise", None, None, None]


def test_integer_lookup_of_extreme_ids():
    customers = _frame({"-5": "SMB", "0": "Enterprise"})
    got = _look_up(pl.Series([str(2**63 - 1), "-5", str(-(2**63))]), customers, ["segment"])
    assert got[0].to_list() == [None, "SMB", None]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(
    st.none(), st.integers(-2**63, 2**63 - 1).map(str), st.integers(0, 10**6).map(lambda n: f"+{n}"),
    st.integers(0, 10**6).map(lambda n: f"0{n}"), st.sampled_from(["-0", "0", "9223372036854775808", "+9223372036854775807",
                                                                  "-9223372036854775809", "00", "", " 7", "7a"]),
    st.integers(-2**63, 2**63 - 1).map(lambda n: str(n).replace("-", "-0"))), min_size=1, max_size=20))
def test_integer_ids_equal_the_python_round_trip(texts):
    """Ids are integers exactly when each text is int(text) printed back (what _as_printed tests of the text)."""
    def prints_back(text):
        return text is None or (re.fullmatch(r"-?[0-9]+", text) is not None and -2**63 <= int(text) < 2**63
                                and str(int(text)) == text)

    got = integer_ids(pl.Series(texts, dtype=pl.String))
    if all(prints_back(t) for t in texts):
        assert got is not None and got.to_list() == [None if t is None else int(t) for t in texts]
    else:
        assert got is None

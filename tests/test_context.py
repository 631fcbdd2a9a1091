"""Looking up the customers' --by columns for a dataset's rows, against a plain dict."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from crmctl.context import _look_up

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

"""Rejoining a field an unquoted delimiter split: only when exactly one join fits the other rows."""

from __future__ import annotations

from crmctl.read.repair import column_shapes, join_split_field, shape

GOOD = [["1001", "Globex", "a@x.com", "12.50"], ["1002", "Smith & Sons", "b@y.org", "3.00"],
        ["1003", "Hooli", "c@z.net", "1,200.00"]]


def test_shapes():
    assert [shape(c) for c in ("SO-020240", "2024-01-31", "Acme", "Acme, Inc.", " 12.50 ")] == [
        "A-9", "9-9-9", "A", "A, A.", "9.9"]


def test_a_company_name_split_by_its_comma_is_joined():
    shapes = column_shapes(GOOD, 4)
    assert join_split_field(["1004", "Acme", " Inc.", "d@w.com", "9.99"], shapes, ",") == (
        ["1004", "Acme, Inc.", "d@w.com", "9.99"], 1)


def test_a_number_split_by_its_thousands_separator_is_joined_when_the_column_has_that_shape():
    shapes = column_shapes(GOOD, 4)
    assert join_split_field(["1005", "Hooli", "e@v.com", "2", "500.00"], shapes, ",") == (
        ["1005", "Hooli", "e@v.com", "2,500.00"], 3)


def test_two_word_columns_side_by_side_are_ambiguous():
    rows = [["1", "EUR", "paid"], ["2", "USD", "pending"]]
    assert join_split_field(["3", "EUR", "Euro", "paid"], column_shapes(rows, 3), ",") is None


def test_rows_that_fit_nowhere_stay_unrepaired():
    assert join_split_field(["x", "y", "z", "w", "v"], column_shapes(GOOD, 4), ",") is None
    assert join_split_field(["1", "2"], column_shapes(GOOD, 4), ",") is None

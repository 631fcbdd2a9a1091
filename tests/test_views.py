"""The render registry: every kind of result has one view, and a view refuses a format it lacks."""

import polars as pl
import pytest

from crmctl.domain import results
from crmctl.errors import UsageError
from crmctl.render import Format
from crmctl.render.registry import render, views


def test_every_typed_result_has_a_view():
    kinds = [cls.view for cls in vars(results).values()
             if isinstance(cls, type) and cls.__module__ == results.__name__ and cls is not results.RowsResult]
    assert set(kinds) <= set(views())
    for name in ("report", "drivers", "check", "validation"):  # results defined in the packages that build them
        assert name in views()


def test_a_view_renders_the_formats_it_lists_and_refuses_the_rest():
    table = results.Comparison(pl.DataFrame({"x": [1]}), {"by": "segment"})
    assert render(table, Format.csv) == "x\n1\n"
    with pytest.raises(UsageError, match=r"--format svg is not available for crmctl compare: use --format "
                                         r"table\|csv\|json\|markdown\|html"):
        render(table, Format.svg)


def test_a_result_unpacks_as_its_rows_and_meta():
    rows, meta = results.CustomerTable(pl.DataFrame({"customer_id": ["1"]}), {"warnings": ["w"]})
    assert rows.height == 1 and meta == {"warnings": ["w"]}
    assert results.CustomerTable(rows, meta).warnings == ["w"]

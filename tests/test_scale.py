"""`scale:` on a number column: amounts in cents (Stripe) read in major units; a scale elsewhere is a config error."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from crmctl.errors import ConfigError
from crmctl.read.load import load_dataset

CONFIG = """
    datasets:
      orders:
        path: {path}
        columns:
          order_id: id
          customer_id: cust
          ordered_at: {{column: date, format: "%Y-%m-%d"}}
          amount: {{column: total, scale: {scale}}}
"""


def _amounts(project, scale, csv=None, path="orders.csv"):
    if csv is not None:
        project.file(path, csv)
    config = project.load(CONFIG.format(path=path, scale=scale))
    return load_dataset(config.datasets["orders"])


def test_cents_read_as_major_units_exactly(project):
    loaded = _amounts(project, 0.01, "id,cust,date,total\n1,c,2024-01-01,10000\n2,c,2024-01-01,1999\n"
                                     '3,c,2024-01-01,"(250)"\n4,c,2024-01-01,"$4,550"\n5,c,2024-01-01,\n')
    # Exactly 19.99: 1999 × 0.01 alone would be 19.990000000000002. The blank row is skipped (required).
    assert loaded.frame["amount"].to_list() == [100.0, 19.99, -2.5, 45.5]


def test_invalid_cells_stay_invalid_when_scaled(project):
    csv = "id,cust,date,total\n1,c,2024-01-01,12x\n" + "".join(f"{i},c,2024-01-01,100\n" for i in range(2, 200))
    loaded = _amounts(project, 0.01, csv)
    assert loaded.invalid["amount"].count == 1 and loaded.frame["amount"].sum() == 198.0


def test_a_scale_above_one_multiplies(project):
    loaded = _amounts(project, 1000, "id,cust,date,total\n1,c,2024-01-01,2.5\n")
    assert loaded.frame["amount"].to_list() == [2500.0]


def test_typed_parquet_numbers_are_scaled_too(project):
    pl.DataFrame({"id": ["1", "2"], "cust": ["c", "c"], "date": ["2024-01-01"] * 2, "total": [10000, 1999]}) \
        .write_parquet(project.root / "orders.parquet")
    loaded = _amounts(project, 0.01, path="orders.parquet")
    assert loaded.frame["amount"].to_list() == [100.0, 19.99]


@pytest.mark.parametrize("column,message", [
    ("ordered_at: {column: date, scale: 0.01}",
     "datasets.orders.columns.ordered_at.scale: only number fields can be scaled; this field is datetime "
     "(remove scale, or set type: number if the column holds amounts)"),
    ("amount: {column: total, scale: cents}",
     "datasets.orders.columns.amount.scale: expected a number such as 0.01, got str 'cents'"),
    ("amount: {column: total, scale: true}",
     "datasets.orders.columns.amount.scale: expected a number such as 0.01, got True"),
    ("amount: {column: total, scale: 0}",
     "datasets.orders.columns.amount.scale: must be a positive number, e.g. 0.01 for amounts in cents; got 0"),
    ("amount: {column: total, scale: -0.01}",
     "datasets.orders.columns.amount.scale: must be a positive number, e.g. 0.01 for amounts in cents; got -0.01"),
])
def test_a_scale_that_cannot_apply_is_a_config_error_with_its_key_path(project, column, message):
    text = ("datasets:\n  orders:\n    path: orders.csv\n    columns:\n      order_id: id\n      customer_id: cust\n"
            "      ordered_at: date\n      amount: total\n")
    field = column.split(":", 1)[0]
    text = text.replace(f"      {field}: {'date' if field == 'ordered_at' else 'total'}\n", f"      {column}\n")
    with pytest.raises(ConfigError) as caught:
        project.load(text)
    assert caught.value.problems == [message]


def test_a_scaled_dimension_typed_as_number_is_accepted(project):
    fee = "amount: total\n          fee: {column: fee, type: number, scale: 0.01}"
    text = CONFIG.format(path="orders.csv", scale=0.01).replace("amount: {column: total, scale: 0.01}", fee)
    config = project.load(text)
    assert config.datasets["orders"].columns["fee"].scale == 0.01
    assert config.datasets["orders"].columns["amount"].scale is None


@settings(max_examples=30, deadline=None)
@given(cents=st.lists(st.integers(-10**11, 10**11), min_size=1, max_size=20))
def test_scaled_cents_equal_exact_decimal_division(tmp_path_factory, cents):
    """Differential: crmctl's scaled value is the float nearest to the exact decimal cents / 100."""
    from conftest import Project

    project = Project(tmp_path_factory.mktemp("cents"))
    rows = "".join(f"{i},c,2024-01-01,{value}\n" for i, value in enumerate(cents))
    loaded = _amounts(project, 0.01, "id,cust,date,total\n" + rows)
    assert loaded.frame["amount"].to_list() == [float(Decimal(value) / 100) for value in cents]


@pytest.mark.parametrize("to", ["parquet", "csv"])
def test_converted_datasets_are_scaled_once(cli, tmp_path, to):
    """`crmctl convert` writes scaled values and a config without scale: the report stays in major units."""
    (tmp_path / "charges.csv").write_text("id,cust,date,total\n1,c,2024-01-05,10000\n2,d,2024-01-20,4550\n")
    (tmp_path / "crmctl.yaml").write_text(
        "datasets:\n  orders:\n    path: charges.csv\n    columns: {order_id: id, customer_id: cust, "
        'ordered_at: {column: date, format: "%Y-%m-%d"}, amount: {column: total, scale: 0.01}}\n')
    assert cli("convert", "-o", "out", "--to", to).exit_code == 0
    for config in ("crmctl.yaml", "out/crmctl.yaml"):
        result = cli("report", "-c", config, "--metrics", "revenue", "--period", "all", "-f", "json")
        assert result.exit_code == 0, result.stderr
        assert [r["value"] for r in result.json()["rows"]] == [145.5]

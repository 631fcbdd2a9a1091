"""A number that rests on an assumed margin says so wherever it is shown (orders without a cost column)."""

from __future__ import annotations

import pytest

from tests.conftest import ORDERS_CONFIG


def _rows(result) -> dict:
    return {(r["metric"], r["period_start"]): r for r in result.json()["rows"]}


def test_gross_profit_without_a_cost_notes_the_margin_it_assumes(shop, cli):
    result = cli("report", "-m", "revenue,gross_profit", "-f", "json")
    rows = _rows(result)
    jan = rows[("gross_profit", "2024-01-01")]
    assert jan["value"] == pytest.approx(150 * 0.6) and jan["note"] == "assumed margin 60%"  # o1 100 + o2 50 paid
    assert rows[("revenue", "2024-01-01")]["note"] is None  # revenue assumes nothing
    assert result.json()["meta"]["assumed_margin"]["metrics"] == ["gross_profit"]
    table = cli("report", "-m", "revenue,gross_profit").stdout
    assert "Gross profit: assumed margin 60% (the orders have no cost column; definitions.gross_margin)" in table


def test_the_note_names_the_configured_margin_and_reaches_explain(shop, cli):
    shop.config(ORDERS_CONFIG + "    definitions: {gross_margin: 0.35}\n")
    rows = _rows(cli("report", "-m", "gross_profit", "-f", "json"))
    assert rows[("gross_profit", "2024-01-01")]["value"] == pytest.approx(52.5)
    assert rows[("gross_profit", "2024-01-01")]["note"] == "assumed margin 35%"
    explained = cli("explain", "gross_profit", "--period", "2024-01")
    assert "Value:       52.50  (assumed margin 35%)" in explained.stdout


def test_a_mapped_cost_needs_no_note(shop, cli):
    shop.file("orders.csv", "order,customer,date,amount,status,cost\no1,c1,2024-01-05,100.00,paid,30\n")
    shop.config(ORDERS_CONFIG.replace("status: status", "status: status\n          cost: cost"))
    result = cli("report", "-m", "gross_profit", "-f", "json")
    row = _rows(result)[("gross_profit", "2024-01-01")]
    assert row["value"] == 70 and row["note"] is None and result.json()["meta"]["assumed_margin"] is None


def test_customers_say_what_predicted_clv_assumes(cli):
    result = cli("customers", "--top", "1", "-f", "json")
    assert result.json()["meta"]["clv_margin"] == ("predicted_clv: assumed margin 60% of the predicted revenue "
                                                  "(definitions.gross_margin)")
    assert "predicted_clv: assumed margin 60%" in cli("customers", "--top", "1").stdout


def test_the_html_page_says_it_on_tiles_charts_and_tables(shop, cli):
    page = cli("report", "-m", "revenue,gross_profit", "-f", "html").stdout
    assert "· 2024-04 · assumed margin 60%</span></h3>" in page  # the gross profit tile
    assert '"title": "Gross profit · assumed margin 60%"' in page or "Gross profit · assumed margin 60%" in page
    assert "Gross profit: assumed margin 60% (the orders have no cost column; definitions.gross_margin)" in page
    assert "Revenue · assumed" not in page

"""`crmctl init` on warehouse connector tables (Fivetran, Airbyte): scoring, explanations, end to end.

The header fixtures in tests/data/headers/ are written from each vendor's schema documentation
(tests/data/headers/README.md cites them).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crmctl.setup.init import _render, examine, presets, recognise
from crmctl.setup.presets.scoring import choose, rank

HEADERS = Path(__file__).parent / "data" / "headers"

CONNECTOR_TABLES = {
    "shopify_fivetran_order.csv": "Fivetran Shopify order",
    "shopify_fivetran_customer.csv": "Fivetran Shopify customer",
    "shopify_airbyte_orders.csv": "Airbyte Shopify orders",
    "shopify_airbyte_customers.csv": "Airbyte Shopify customers",
    "stripe_fivetran_charge.csv": "Fivetran Stripe charge",
    "stripe_fivetran_invoice.csv": "Fivetran Stripe invoice",
    "stripe_fivetran_subscription.csv": "Fivetran Stripe subscription",
    "stripe_fivetran_customer.csv": "Fivetran Stripe customer",
    "stripe_airbyte_charges.csv": "Airbyte Stripe charges",
    "stripe_airbyte_subscriptions.csv": "Airbyte Stripe subscriptions",
    "stripe_airbyte_customers.csv": "Airbyte Stripe customers",
    "zendesk_fivetran_ticket.csv": "Fivetran Zendesk ticket",
    "zendesk_airbyte_tickets.csv": "Airbyte Zendesk tickets",
    "hubspot_fivetran_contact.csv": "Fivetran HubSpot contact",
    "hubspot_fivetran_deal.csv": "Fivetran HubSpot deal",
    "hubspot_airbyte_contacts.csv": "Airbyte HubSpot contacts",
    "hubspot_airbyte_deals.csv": "Airbyte HubSpot deals",
    "salesforce_fivetran_account.csv": "Fivetran Salesforce account",
    "salesforce_fivetran_opportunity.csv": "Fivetran Salesforce opportunity",
    "salesforce_fivetran_lead.csv": "Fivetran Salesforce lead",
    "salesforce_fivetran_case.csv": "Fivetran Salesforce case",
    "salesforce_airbyte_account.csv": "Airbyte Salesforce Account",
    "salesforce_airbyte_opportunity.csv": "Airbyte Salesforce Opportunity",
    "salesforce_airbyte_case.csv": "Airbyte Salesforce Case",
}
# Airbyte's Salesforce Lead stream has no fixture of its own: it shares every rule with Fivetran's lead.
UNFIXTURED = {"Airbyte Salesforce Lead"}
SETS = sorted({name.rsplit("_", 1)[0] for name in CONNECTOR_TABLES})  # vendor_connector


def test_every_connector_preset_has_a_fixture_and_every_fixture_is_listed():
    connector_presets = {p["name"] for p in presets() if p["name"].startswith(("Fivetran", "Airbyte"))}
    assert connector_presets - UNFIXTURED == set(CONNECTOR_TABLES.values())
    assert {p.name for p in HEADERS.glob("*.csv")} == set(CONNECTOR_TABLES)


@pytest.mark.parametrize("filename", sorted(CONNECTOR_TABLES))
def test_each_connector_table_is_recognised_as_its_preset(filename):
    verdict, found = examine(HEADERS / filename)
    assert verdict.kind == "sure" and found.preset["name"] == CONNECTOR_TABLES[filename]
    assert not found.dropped  # every mapped time column has a format that reads it


def test_the_issue_table_is_orders_not_customers(tmp_path):
    """The filed case: snake_case columns, no vendor signature. Four required fields beat one."""
    path = tmp_path / "orders.csv"
    path.write_text('order_id,customer_id,created_timestamp,total_price,financial_status,line_items\n'
                    '1001,7001,2024-01-05 10:00:00,100.00,paid,"[{""sku"": ""A""}]"\n')
    verdict, found = examine(path)
    assert (verdict.kind, found.preset["name"]) == ("sure", "generic orders")
    assert found.columns == {"order_id": "order_id", "customer_id": "customer_id", "ordered_at": "created_timestamp",
                             "amount": "total_price", "status": "financial_status"}
    # 4 required ×3 + 1 optional (status) + own id order_id +2 + file name "orders" +2 = 17
    assert verdict.best.score == 17
    # generic customers: customer_id ×3 + own id +2 + created_at (created_timestamp) ×1 = 6
    assert (verdict.runner_up.name, verdict.runner_up.score) == ("generic customers", 6)
    assert verdict.explain() == ("score 17 = 4 required ×3 + 1 optional ×1 + own id 'order_id' +2 + file name +2; "
                                 "runner-up: customers (generic customers, score 6)")
    assert found.json_columns == ["line_items"] and "line_items" not in found.unmapped


def test_a_bare_id_counts_as_the_own_id_only_in_a_file_named_for_the_table(tmp_path):
    header = ("id", "created_at")
    named = {c.name: c.score for c in rank(presets(), header, tmp_path / "tickets.csv")}
    unnamed = {c.name: c.score for c in rank(presets(), header, tmp_path / "export.csv")}
    assert named["generic tickets"] == 3 * 2 + 2 + 2  # two required, own id, file name
    assert unnamed["generic tickets"] == 3 * 2


def test_a_tie_between_datasets_is_left_for_the_user(tmp_path):
    header = ("id", "created_at")  # a ticket (id, created) and a lead (id, created) alike
    verdict = choose(rank(presets(), header, tmp_path / "export.csv"))
    assert verdict.kind == "tie" and verdict.best.score == verdict.runner_up.score == 6
    path = tmp_path / "export.csv"
    path.write_text("id,created_at\n1,2024-01-05\n")
    assert recognise(path) is None


def test_a_weak_match_is_marked_as_a_guess(cli, tmp_path):
    (tmp_path / "people.csv").write_text("customer_id,name\nc1,Ana\n")
    result = cli("init", "people.csv")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == "  people.csv: customers (generic customers, score 5) GUESS: few fields matched"
    config = (tmp_path / "crmctl.yaml").read_text()
    assert "    # why: GUESS: few fields matched; score 5 = 1 required ×3 + own id 'customer_id' +2; no runner-up" in config


def test_json_cells_are_named_not_mapped_and_stripe_cents_are_scaled(tmp_path):
    found = recognise(HEADERS / "stripe_airbyte_charges.csv")
    assert found.json_columns == ["_airbyte_meta", "billing_details"]
    assert found.formats["ordered_at"] == ("%s", "Unix seconds, i.e. UTC: keep timezone: UTC")
    text = _render({"orders": found}, [], HEADERS)
    assert '    # "billing_details" holds JSON: not mapped (docs/config.md, Presets)' in text
    assert ('amount: {column: "amount", scale: 0.01}  # Stripe amounts are in cents: scale 0.01 reads them in '
            'major units') in text
    assert "CHECK" not in text
    assert 'where: {"status": ["succeeded"]}' in text


def test_parquet_tables_are_recognised_by_their_schema(tmp_path):
    import polars as pl

    frame = pl.read_csv(HEADERS / "shopify_airbyte_orders.csv", infer_schema=False)
    frame = frame.with_columns(pl.col("customer").str.json_decode(pl.Struct({"id": pl.Int64, "email": pl.String})))
    frame.write_parquet(tmp_path / "orders.parquet")
    verdict, found = examine(tmp_path / "orders.parquet")
    assert found.preset["name"] == "Airbyte Shopify orders" and "customer" in found.json_columns


@pytest.mark.parametrize("connector_set", SETS)
def test_init_then_report_runs_on_every_connector_set(cli, tmp_path, connector_set):
    exports = tmp_path / "exports"
    exports.mkdir()
    for source in HEADERS.glob(f"{connector_set}_*.csv"):
        shutil.copy(source, exports / source.name)
    init = cli("init", "exports")
    assert init.exit_code == 0, init.stderr
    assert "not recognised" not in init.stderr and "not mapped" not in init.stderr
    report = cli("report", "--period", "all", "-f", "json")
    assert report.exit_code == 0, report.stderr
    rows = report.json()["rows"]
    assert rows and any(row["value"] is not None for row in rows)


def test_docs_have_a_table_for_every_preset():
    """Each preset's own section has a row per field naming its first column, and says where it scales."""
    docs = (Path(__file__).parent.parent / "docs" / "config.md").read_text(encoding="utf-8")
    for preset in presets():
        heading = f"### {preset['name']} → `{preset['dataset']}`"
        assert heading in docs, heading
        section = docs[docs.index(heading):].split("\n### ", 1)[0]
        rows = {line.split("|")[1].strip(" *").split(" ")[0].strip("*"): line
                for line in section.splitlines() if line.startswith("| ") and not line.startswith("| field")}
        for field, columns in preset["columns"].items():
            assert f"| `{columns[0]}`" in rows.get(field, ""), (preset["name"], field)
        for field, factor in (preset.get("scale") or {}).items():
            assert f"scale {factor:g}" in rows[field], (preset["name"], field)

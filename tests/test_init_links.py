"""`crmctl init` with money in cents and customers named by e-mail, from init to the report's numbers.

Fixtures: the connector headers in tests/data/headers/ (README there cites each vendor's schema).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

HEADERS = Path(__file__).parent / "data" / "headers"


def _init(cli, tmp_path, *names, extra: dict[str, str] | None = None) -> str:
    exports = tmp_path / "exports"
    exports.mkdir()
    for name in names:
        shutil.copy(HEADERS / name, exports / name)
    for name, text in (extra or {}).items():
        (exports / name).write_text(text)
    result = cli("init", "exports")
    assert result.exit_code == 0, result.stderr
    return (tmp_path / "crmctl.yaml").read_text()


def _report(cli, *args) -> list[dict]:
    result = cli("report", "--period", "all", "-f", "json", *args)
    assert result.exit_code == 0, result.stderr
    return result.json()["rows"]


@pytest.mark.parametrize("connector", ["stripe_fivetran", "stripe_airbyte"])
def test_stripe_revenue_comes_out_in_major_units(cli, tmp_path, connector):
    charges = "stripe_fivetran_charge.csv" if connector == "stripe_fivetran" else "stripe_airbyte_charges.csv"
    customers = f"{connector}_customer{'s' if connector == 'stripe_airbyte' else ''}.csv"
    config = _init(cli, tmp_path, charges, customers)
    assert 'amount: {column: "amount", scale: 0.01}' in config
    rows = {r["metric"]: r for r in _report(cli, "--metrics", "revenue,orders,average_order_value")}
    # Succeeded charges: 10000 and 4550 cents; the failed one (10000) is filtered out by where:.
    assert rows["revenue"]["value"] == 145.5 and rows["orders"]["value"] == 2
    assert rows["average_order_value"]["value"] == 72.75


def test_fractional_amounts_are_not_scaled(cli, tmp_path):
    text = (HEADERS / "stripe_fivetran_charge.csv").read_text()
    text = text.replace(",10000,", ",100.00,").replace(",4550,", ",45.50,")
    config = _init(cli, tmp_path, extra={"stripe_fivetran_charge.csv": text})
    assert ('amount: "amount"  # CHECK: not scaled: the sampled amounts have fractions, so they are not in cents '
            "(column 'amount')") in config
    assert {r["metric"]: r["value"] for r in _report(cli, "--metrics", "revenue")}["revenue"] == 145.5


def test_zero_decimal_currencies_are_not_scaled(cli, tmp_path):
    text = (HEADERS / "stripe_fivetran_charge.csv").read_text().replace(",usd,", ",jpy,")
    config = _init(cli, tmp_path, extra={"stripe_fivetran_charge.csv": text})
    assert "# CHECK: not scaled: the sampled currencies (JPY) have no minor unit (column 'amount')" in config
    assert {r["metric"]: r["value"] for r in _report(cli, "--metrics", "revenue")}["revenue"] == 14550


def test_airbyte_shopify_orders_join_customers_by_email(cli, tmp_path):
    config = _init(cli, tmp_path, "shopify_airbyte_orders.csv", "shopify_airbyte_customers.csv")
    assert '      email: "email"' in config
    assert ('      customer_email: "email"  # the order\'s email stands for the customer: the customer column is a '
            "JSON object; e-mails translated into customer ids through customers' email column 'email'") in config
    rows = _report(cli, "--metrics", "revenue", "--by", "state")
    # ana@x.io (7001, enabled): 100.00 + 30.00 paid; bo@x.io (7002, disabled): 45.50 partially refunded.
    assert {r["state"]: r["value"] for r in rows} == {"enabled": 130.0, "disabled": 45.5}


def test_without_customers_the_email_stays_customer_id_with_a_check(cli, tmp_path):
    config = _init(cli, tmp_path, "shopify_airbyte_orders.csv")
    assert "customer_email" not in config.split("report:")[0].replace("# customer_email", "")
    assert ("      customer_id: \"email\"  # the order's email stands for the customer: the customer column is a JSON "
            "object; CHECK: 'email' holds e-mails and customers maps no email") in config
    assert {r["metric"]: r["value"] for r in _report(cli, "--metrics", "revenue")}["revenue"] == 175.5


def test_one_vendor_keeps_its_own_customer_id(cli, tmp_path):
    config = _init(cli, tmp_path, "shopify_fivetran_order.csv", "shopify_fivetran_customer.csv")
    orders = config[config.index("  orders:"):]
    assert '      customer_id: "customer_id"' in orders
    assert "      # customer_email: not mapped, customer_id links to customers, both Shopify ids" in orders


ZENDESK = ("Id,Requester,Requester id,Requester email,Group,Via,Created at,Solved at,Replies,Reopens\n"
           "1,Ana,3610,Ana@X.io,Support,Mail,2024-01-05 10:00:00 +0000,2024-01-05 12:00:00 +0000,1,0\n"
           "2,Bo,3611,bo@x.io,Support,Web,2024-01-22 09:30:00 +0000,,2,0\n")


def test_zendesk_tickets_join_another_systems_customers_by_requester_email(cli, tmp_path):
    config = _init(cli, tmp_path, "stripe_fivetran_customer.csv", extra={"zendesk-tickets.csv": ZENDESK})
    tickets = config[config.index("  tickets:"):]
    assert '      customer_email: "Requester email"' in tickets
    assert ("      # customer_id: not mapped, column 'Requester id' is Zendesk's own id, which Fivetran Stripe "
            "customer does not hold: the e-mail links instead") in tickets
    rows = _report(cli, "--metrics", "ticket_volume", "--by", "region")
    assert {r["region"]: r["value"] for r in rows} == {"PT": 1, "SE": 1}  # Ana@X.io matches ana@x.io


def test_zendesk_tickets_without_customers_keep_the_requester_id(cli, tmp_path):
    config = _init(cli, tmp_path, extra={"zendesk-tickets.csv": ZENDESK})
    assert '      customer_id: "Requester id"' in config
    assert ("      # customer_email: not mapped, column 'Requester email' holds e-mails, and customers maps no "
            "email to translate them through") in config

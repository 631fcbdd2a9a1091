"""`crmctl init`: each export preset is recognised from realistic headers; the written config runs."""

from __future__ import annotations

import pytest

from crmctl.setup.init import presets, recognise

EXPORTS = {
    "HubSpot contacts": ("hubspot-crm-exports-all-contacts.csv",
                         "Record ID,First Name,Email,Contact owner,Lifecycle Stage,Create Date,Country/Region\n"
                         "101,Ana,ana@x.io,Rita,Customer,2024-01-05 10:12,Portugal\n"),
    "HubSpot deals": ("hubspot-crm-exports-all-deals.csv",
                      "Record ID,Deal Name,Deal Stage,Pipeline,Amount,Close Date,Create Date,Deal owner\n"
                      "9001,Silva,Closed Won,Sales Pipeline,1200,2024-02-15 00:00,2024-01-10 09:00,Rita\n"),
    "HubSpot tickets": ("hubspot-tickets.csv",
                        "Ticket ID,Ticket name,Ticket status,Create date,Close date,Source,Priority\n"
                        "5,Login,Closed,2024-01-05 10:00,2024-01-06 11:00,Email,HIGH\n"),
    "Salesforce accounts": ("accounts.csv", "Account ID,Account Name,Type,Industry,Billing Country,Created Date,"
                                            "Account Owner\n001A0000012aBcD,Acme,Customer,Retail,US,1/5/2024,Kim\n"),
    "Salesforce opportunities": ("report.csv",
                                 "Opportunity ID,Opportunity Name,Account Name,Stage,Amount,Close Date,Created Date,"
                                 "Lead Source,Opportunity Owner\n006A0000012aBcD,Big deal,Acme,Closed Won,5000,"
                                 "2/15/2024,1/13/2024,Web,Kim\n"),
    "Salesforce leads": ("leads.csv", "Lead ID,Company,Lead Status,Lead Source,Lead Owner,Created Date,Converted Date\n"
                                      "00QA0000012aBcD,Acme,Converted,Web,Kim,1/5/2024,1/20/2024\n"),
    "Salesforce cases": ("cases.csv", "Case ID,Case Number,Account ID,Status,Priority,Case Origin,Date/Time Opened,"
                                      "Date/Time Closed\n500A0000012aBcD,00001026,001A0000012aBcD,Closed,High,Email,"
                                      "1/5/2024 10:30 AM,1/6/2024 2:15 PM\n"),
    "Zendesk tickets": ("zendesk-tickets.csv", "Id,Requester,Requester id,Group,Via,Created at,Solved at,Replies,"
                                               "Reopens\n1,Ana,3610,Support,Mail,2024-01-05 10:00:00 +0000,"
                                               "2024-01-05 12:00:00 +0000,1,0\n"),
    "Zendesk satisfaction ratings": ("satisfaction_ratings.csv", "Ticket ID,Requester,Requester id,Score,Comment,"
                                                                 "Created at\n1,Ana,3610,good,Thanks,"
                                                                 "2024-01-06T09:00:00Z\n"),
    "Shopify orders": ("orders_export.csv", "Name,Email,Financial Status,Paid at,Fulfillment Status,Currency,"
                                            "Subtotal,Total,Created at,Id\n#1001,ana@x.io,paid,"
                                            "2024-01-05 10:12:00 -0500,fulfilled,USD,90.00,100.00,"
                                            "2024-01-05 10:10:00 -0500,5678901234\n"),
    "Shopify customers": ("customers_export.csv", "Customer ID,First Name,Email,Accepts Email Marketing,Total Spent,"
                                                  "Total Orders,Tags,Default Address Country Code\n"
                                                  "7001,Ana,ana@x.io,yes,100.00,1,vip,PT\n"),
    "Stripe customers": ("unified_customers.csv", "id,Email,Name,Created (UTC),Delinquent,Address Country\n"
                                                  "cus_Pq1,ana@x.io,Ana,2024-01-05 10:00,false,PT\n"),
    "Stripe subscriptions": ("subscriptions.csv", "id,Customer ID,Customer Email,Plan,Status,Created (UTC),"
                                                  "Start (UTC),Current Period End (UTC),Canceled At (UTC),"
                                                  "Ended At (UTC)\nsub_1,cus_Pq1,ana@x.io,pro,active,"
                                                  "2024-01-05 10:00,2024-01-05 10:00,2024-02-05 10:00,,\n"),
    "Stripe payments": ("unified_payments.csv", "id,Created (UTC),Amount,Amount Refunded,Currency,Captured,Status,"
                                                "Customer ID,Customer Email\nch_1,2024-01-05 10:00,100.00,0.00,usd,"
                                                "true,Paid,cus_Pq1,ana@x.io\n"),
}


def test_every_named_export_preset_has_a_fixture():
    named = {p["name"] for p in presets() if p.get("signature") and not p["name"].startswith(("Fivetran", "Airbyte"))}
    assert named == set(EXPORTS)


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_each_export_is_recognised(tmp_path, name):
    filename, text = EXPORTS[name]
    path = tmp_path / filename
    path.write_text(text)
    found = recognise(path)
    assert found is not None and found.preset["name"] == name


def test_generic_names_and_semicolons(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("Order ID;Customer;Order Date;Total\nA1;c1;31/01/2024;1.234,50\nA2;c2;01/02/2024;99,90\n")
    found = recognise(path)
    assert (found.dataset, found.delimiter) == ("orders", ";")
    assert found.columns == {"order_id": "Order ID", "customer_id": "Customer", "ordered_at": "Order Date",
                             "amount": "Total"}
    assert found.formats["ordered_at"][0] == "%d/%m/%Y" and found.decimal_comma == {"amount"}


def test_unrecognised_files_are_listed(tmp_path):
    (tmp_path / "notes.csv").write_text("foo,bar\n1,2\n")
    assert recognise(tmp_path / "notes.csv") is None


def test_init_writes_a_config_that_runs_without_edits(cli, tmp_path):
    for name in ("HubSpot contacts", "HubSpot deals"):
        filename, text = EXPORTS[name]
        (tmp_path / "exports").mkdir(exist_ok=True)
        (tmp_path / "exports" / filename).write_text(text)
    (tmp_path / "exports" / "notes.csv").write_text("foo,bar\n1,2\n")
    result = cli("init", "exports")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "  hubspot-crm-exports-all-contacts.csv: customers (HubSpot contacts, score 14.5; "
        "runner-up generic customers as customers, score 6)",
        "  hubspot-crm-exports-all-deals.csv: leads (HubSpot deals, score 18.5)",
        "  notes.csv: not recognised",
        "wrote crmctl.yaml; next: crmctl report",
    ]
    config = (tmp_path / "crmctl.yaml").read_text()
    assert 'path: "exports/hubspot-crm-exports-all-deals.csv"' in config
    assert "# notes.csv: not recognised as any CRM export" in config
    report = cli("report", "-f", "json", "-m", "win_rate,lead_conversion_rate")
    assert report.exit_code == 0
    values = {(r["metric"], r["period_start"]): r["value"] for r in report.json()["rows"]}
    assert values[("win_rate", "2024-02-01")] == 1.0 and values[("lead_conversion_rate", "2024-01-01")] == 1.0


def test_init_never_overwrites_without_force(cli, tmp_path):
    filename, text = EXPORTS["Shopify orders"]
    (tmp_path / filename).write_text(text)
    (tmp_path / "crmctl.yaml").write_text("# mine\n")
    refused = cli("init", filename)
    assert refused.exit_code == 2 and "crmctl.yaml exists; use --force" in refused.stderr
    assert (tmp_path / "crmctl.yaml").read_text() == "# mine\n"
    assert cli("init", filename, "--force").exit_code == 0
    assert "Shopify orders" in (tmp_path / "crmctl.yaml").read_text()
    to_stdout = cli("init", filename, "-o", "-")
    assert to_stdout.exit_code == 0 and to_stdout.stdout.startswith("# Written by `crmctl init`")


def test_init_detects_a_windows_encoding(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes("Order ID,Customer,Order Date,Total\nA1,Café,2024-01-31,10\n".encode("cp1252"))
    from crmctl.setup.init import _render

    found = recognise(path)
    assert (found.dataset, found.encoding) == ("orders", "cp1252")
    assert '    encoding: "cp1252"  # GUESS: the file is not UTF-8' in _render({"orders": found}, [], tmp_path)

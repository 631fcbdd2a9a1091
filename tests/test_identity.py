"""One customer across exports: datasets keyed by e-mail (or another system's id) are translated through
customers. Hand fixtures, config checks, validate findings, and a differential test against the same
data keyed by customer_id throughout."""

from __future__ import annotations

import polars as pl
import pytest

from crmctl.errors import ConfigError
from crmctl.read.identity import directory, normalised
from crmctl.report.build import build_report, with_overrides
from crmctl.setup.validate import validate

CUSTOMERS = """
    id,email,tier,ext
    c1, Ann@Example.com ,gold,S-1
    c2,bob@example.com,silver,S-2
    c3,shared@example.com,gold,S-3
    c4,SHARED@example.com,silver,S-4
    c5,,silver,
"""

CONFIG = """
    version: 1
    datasets:
      customers:
        path: customers.csv
        columns: {customer_id: id, email: email, external_id: ext, segment: tier}
      tickets:
        path: tickets.csv
        columns: {ticket_id: ticket, customer_email: requester, created_at: created}
      orders:
        path: orders.csv
        columns: {order_id: order, customer_email: email, ordered_at: date, amount: amount}
"""


@pytest.fixture
def desk(project):
    """Tickets and orders keyed by e-mail in mixed case and padding: t1, t2 are Ann's (c1, gold), t3 Bob's
    (c2, silver); t4's e-mail is nobody's, t5's is shared by c3 and c4, t6 has none. Orders o1 (Ann, 100)
    and o2 (Bob, 50) match; o3 (unknown e-mail) and o4 (shared e-mail) match no single customer."""
    project.file("customers.csv", CUSTOMERS)
    project.file("tickets.csv", """
        ticket,requester,created
        t1,ann@example.com,2024-01-05
        t2,"  ANN@EXAMPLE.COM",2024-01-20
        t3,bob@example.com,2024-02-02
        t4,nobody@example.com,2024-02-10
        t5,Shared@example.com,2024-02-11
        t6,,2024-02-12
    """)
    project.file("orders.csv", """
        order,email,date,amount
        o1,ann@example.com,2024-01-03,100
        o2,BOB@example.com ,2024-01-04,50
        o3,ghost@example.com,2024-01-05,70
        o4,shared@example.com,2024-01-06,30
    """)
    project.config(CONFIG)
    return project


def _report(project, metrics, **overrides):
    config = project.load((project.root / "crmctl.yaml").read_text())
    return build_report(config, with_overrides(config.report, metrics=tuple(metrics), **overrides))


def _cells(result, metric) -> dict:
    rows = result.rows.filter(pl.col("metric") == metric)
    return {(str(r["period_start"]), r["segment"]): r["value"] for r in rows.iter_rows(named=True)}


def test_normalised_emails_ignore_case_and_surrounding_space():
    cells = pl.Series([" Ann@Example.COM ", "ann@example.com", "   ", None])
    assert pl.select(normalised("customer_email", pl.lit(cells))).to_series().to_list() == [
        "ann@example.com", "ann@example.com", None, None]
    # External ids keep their case, as every id does.
    assert pl.select(normalised("customer_external_id", pl.lit(pl.Series([" Ab1 "])))).item() == "Ab1"


def test_directory_marks_a_shared_email_as_no_single_customer():
    customers = pl.DataFrame({"customer_id": ["c1", "c2", "c3", "c3"],
                              "email": ["a@x.com", "B@x.com ", "b@x.com", "b@x.com"]})
    found = {r["_key"]: (r["_id"], r["_holders"]) for r in directory(customers, "email").iter_rows(named=True)}
    # c3 listed twice with the same e-mail is one holder; c2 and c3 share b@x.com.
    assert found == {"a@x.com": ("c1", 1), "b@x.com": (None, 2)}


def test_tickets_keyed_by_email_split_by_segment(desk):
    result = _report(desk, ["ticket_volume"], by=("segment",))
    cells = _cells(result, "ticket_volume")
    assert cells[("2024-01-01", "gold")] == 2  # t1, t2: Ann in two spellings
    assert cells[("2024-02-01", "silver")] == 1  # t3
    assert cells[("2024-02-01", None)] == 3  # t4 unmatched, t5 shared, t6 blank: kept, in no segment
    assert cells[("2024-02-01", "gold")] == 0
    tickets = result.datasets["tickets"]
    assert tickets.rows_used == 6 and tickets.rows_skipped == 0
    assert tickets.warnings == [
        "1 rows match no customer by customer_email (kept in no segment; e.g. nobody@example.com)",
        "1 rows carry a customer_email that several customers share, so they match no single customer "
        "(kept in no segment; e.g. shared@example.com)",
    ]


def test_orders_that_match_no_single_customer_are_skipped_and_counted(desk):
    result = _report(desk, ["revenue", "orders"], by=("segment",))
    revenue = _cells(result, "revenue")
    assert revenue[("2024-01-01", "gold")] == 100 and revenue[("2024-01-01", "silver")] == 50
    assert ("2024-01-01", None) not in revenue  # o3 and o4 are skipped, not counted in no segment
    orders = result.datasets["orders"]
    assert (orders.rows_read, orders.rows_used, orders.rows_skipped) == (4, 2, 2)
    assert orders.skipped_because == {"no customer matches customer_email": 1,
                                      "customer_email shared by several customers": 1}
    assert result.meta["rows_skipped"] == 2


def test_revenue_alone_reads_customers_to_translate_emails(desk):
    result = _report(desk, ["revenue"])
    assert set(result.datasets) == {"orders", "customers"}
    assert result.rows["value"].to_list() == [150]


def test_external_id_is_tried_before_email(project):
    project.file("customers.csv", CUSTOMERS)
    project.file("orders.csv", """
        order,shop_id,email,date,amount
        o1,S-2,ann@example.com,2024-01-03,100
        o2,,ann@example.com,2024-01-04,50
        o3,S-9,bob@example.com,2024-01-05,7
    """)
    project.config(CONFIG.replace("customer_email: email,", "customer_external_id: shop_id, customer_email: email,")
                   .replace("      tickets:\n        path: tickets.csv\n        columns: {ticket_id: ticket, "
                            "customer_email: requester, created_at: created}\n", ""))
    revenue = _cells(_report(project, ["revenue"], by=("segment",)), "revenue")
    # o1: S-2 is Bob (silver) although the e-mail is Ann's; o2: no shop id, Ann by e-mail; o3: S-9 is
    # nobody's, so the e-mail finds Bob.
    assert revenue[("2024-01-01", "silver")] == 107 and revenue[("2024-01-01", "gold")] == 50


def test_validate_lists_unmatched_rows_with_file_row_and_value(desk):
    report = validate(desk.load(CONFIG))
    found = [(f.dataset, f.message, f.rows, f.examples) for f in report.findings]
    assert found == [
        ("tickets", "1 rows match no customer by customer_email (kept in no segment)", [5],
         ["tickets.csv row 5: 'nobody@example.com'"]),
        ("tickets", "1 rows carry a customer_email that several customers share (kept in no segment)", [6],
         ["tickets.csv row 6: 'Shared@example.com'"]),
        ("orders", "1 rows match no customer by customer_email (skipped)", [4],
         ["orders.csv row 4: 'ghost@example.com'"]),
        ("orders", "1 rows carry a customer_email that several customers share (skipped)", [5],
         ["orders.csv row 5: 'shared@example.com'"]),
    ]
    assert report.datasets["orders"]["rows_skipped"] == 2 and report.failed(strict=True)


def _problems(project, text) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        project.load(text)
    return caught.value.problems


def test_config_needs_customer_id_or_an_alternate_key(project):
    assert _problems(project, """
        datasets:
          orders: {path: o.csv, columns: {order_id: o, ordered_at: d, amount: a}}
    """) == ["datasets.orders.columns.customer_id: missing: orders needs the field customer_id, or another key of "
             "the customer that customers also maps (customer_external_id or customer_email)"]


def test_config_needs_customers_to_map_the_alternate_key(project):
    assert _problems(project, """
        datasets:
          customers: {path: c.csv, columns: {customer_id: id, segment: tier}}
          tickets: {path: t.csv, columns: {ticket_id: t, customer_email: e, created_at: d}}
          orders: {path: o.csv, columns: {order_id: o, customer_external_id: s, ordered_at: d, amount: a}}
    """) == [
        "datasets.tickets.columns.customer_email: customers must map email to translate customer_email into "
        "customer ids (add email: <column> under datasets.customers.columns)",
        "datasets.orders.columns.customer_external_id: customers must map external_id to translate "
        "customer_external_id into customer ids (add external_id: <column> under datasets.customers.columns)",
    ]
    assert _problems(project, """
        datasets:
          tickets: {path: t.csv, columns: {ticket_id: t, customer_email: e, created_at: d}}
    """) == ["datasets.tickets.columns.customer_email: customers must map email to translate customer_email into "
             "customer ids (add email: <column> under a customers dataset)"]


def test_cli_report_warns_and_validate_fails_strict(cli, desk):
    config = str(desk.root / "crmctl.yaml")
    result = cli("report", "-c", config, "--metrics", "ticket_volume", "--by", "segment", "-f", "csv")
    assert result.exit_code == 0
    assert ("warning: tickets: 1 rows match no customer by customer_email (kept in no segment; e.g. "
            "nobody@example.com)") in result.stderr
    assert cli("validate", "-c", config).exit_code == 0
    assert cli("validate", "-c", config, "--strict").exit_code == 4

"""The 360° columns of crmctl customers: hand-computed per dataset, the customers ∪ orders base, Telco."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from crmctl.customers.profile import (
    customer_columns, interaction_columns, subscription_columns, survey_columns, ticket_columns,
)

AS_OF = dt.date(2025, 6, 30)
END = dt.datetime(2025, 7, 1)
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


def t(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def frame(columns: str, *rows) -> pl.LazyFrame:
    names = columns.split()
    data = [dict(zip(names, (t(v) if n.endswith("_at") else v for n, v in zip(names, row)))) for row in rows]
    return pl.DataFrame(data).lazy()


def by_id(lf: pl.LazyFrame) -> dict[str, dict]:
    return {r["customer_id"]: r for r in lf.collect().to_dicts()}


def test_tickets_open_resolved_and_windows_around_the_as_of_day():
    tickets = frame(
        "customer_id created_at resolved_at reopens sla_due_at",
        ("a", "2025-06-30 23:00", None, 0, "2025-07-01 23:00"),              # open, SLA not yet due
        ("a", "2025-06-01 09:00", "2025-06-30 22:00", 1, "2025-06-02 09:00"),  # resolved on the day, late
        ("a", "2025-03-01 09:00", "2025-07-02 09:00", 0, "2025-03-02 09:00"),  # resolved after as-of: open, breached
        ("a", "2025-07-01 00:00", None, 3, "2025-07-02 00:00"),              # after as-of: ignored
        ("b", "2025-04-02 00:00", "2025-04-02 01:00", 2, "2025-04-03 00:00"),  # first of the last 90 days: in
        ("b", "2025-04-01 23:59", "2025-04-02 01:00", 0, None),                # the day before: out
        (None, "2025-06-01 00:00", None, 0, None),                            # no customer: no row
    )
    rows = by_id(ticket_columns(tickets, END))
    assert set(rows) == {"a", "b"}
    a, b = rows["a"], rows["b"]
    assert (a["tickets"], a["open_tickets"], a["tickets_90d"], a["reopened_tickets"], a["sla_breaches"]) == (3, 2, 2, 1, 2)
    assert a["last_ticket_at"] == dt.datetime(2025, 6, 30, 23)
    assert (b["tickets"], b["open_tickets"], b["tickets_90d"], b["reopened_tickets"], b["sla_breaches"]) == (2, 0, 1, 1, 0)


def test_an_sla_breached_flag_wins_over_the_due_time():
    tickets = frame("customer_id created_at resolved_at sla_breached sla_due_at",
                    ("a", "2025-06-01 00:00", None, True, "2025-09-01 00:00"),
                    ("a", "2025-06-02 00:00", None, None, "2025-06-03 00:00"))
    assert by_id(ticket_columns(tickets, END))["a"]["sla_breaches"] == 1


def test_latest_survey_per_type_on_its_scale():
    surveys = frame(
        "customer_id responded_at type score",
        ("a", "2025-01-01 00:00", "nps", 10.0),
        ("a", "2025-05-01 00:00", "nps", 4.0),   # latest NPS
        ("a", "2025-07-01 00:00", "nps", 9.0),   # after as-of: ignored
        ("a", "2025-06-01 00:00", "csat", 9.0),  # off the 1–5 scale: left out
        ("a", "2025-02-01 00:00", "csat", 4.0),
        ("b", "2025-03-03 00:00", "nps", 8.0),
        ("b", "2025-03-03 00:00", "nps", 7.0),   # same time: the lower score
        ("c", "2025-03-03 00:00", "ces", 2.0),
    )
    rows = by_id(survey_columns(surveys, END, SCALES))
    a, b, c = rows["a"], rows["b"], rows["c"]
    assert (a["nps"], a["nps_at"], a["nps_category"]) == (4.0, dt.datetime(2025, 5, 1), "detractor")
    assert (a["csat"], a["csat_at"], a["ces"], a["ces_at"]) == (4.0, dt.datetime(2025, 2, 1), None, None)
    assert (b["nps"], b["nps_category"]) == (7.0, "passive")
    assert (c["nps"], c["nps_category"], c["ces"]) == (None, None, 2.0)


def test_engagement_last_90_days_against_the_90_before():
    engaged = ["opened", "clicked", "visit"]
    events = frame(
        "customer_id occurred_at event",
        ("a", "2025-06-30 12:00", "opened"),
        ("a", "2025-04-02 00:00", "clicked"),    # day 90 of the window (2025-04-02 … 2025-06-30)
        ("a", "2025-04-01 23:00", "visit"),      # the 90 days before
        ("a", "2025-01-02 00:00", "opened"),     # first day of the 90 before
        ("a", "2025-01-01 23:00", "opened"),     # older: in neither
        ("a", "2025-06-30 20:00", "sent"),       # contact, not engagement
        ("a", "2025-07-01 00:00", "opened"),     # after as-of
        ("b", "2025-06-01 00:00", "visit"),
    )
    rows = by_id(interaction_columns(events, END, engaged))
    a, b = rows["a"], rows["b"]
    assert (a["engagement_90d"], a["engagement_prev_90d"], a["engagement_change"]) == (2, 2, 0.0)
    assert a["last_activity_at"] == dt.datetime(2025, 6, 30, 12) and a["last_contact_at"] == dt.datetime(2025, 6, 30, 20)
    assert (b["engagement_90d"], b["engagement_prev_90d"], b["engagement_change"]) == (1, 0, None)


def test_subscription_status_mrr_renewal_and_current_plan():
    subs = frame(
        "customer_id started_at ended_at term_end_at mrr plan",
        ("a", "2024-01-01 00:00", "2024-06-01 00:00", "2024-06-01 00:00", 10.0, "Basic"),
        ("a", "2024-06-01 00:00", None, "2025-08-01 00:00", 50.0, "Pro"),
        ("a", "2025-01-01 00:00", "2025-07-15 00:00", "2025-06-30 00:00", 5.0, "Addon"),  # ends after as-of: running
        ("b", "2024-01-01 00:00", "2025-06-30 10:00", "2025-12-01 00:00", 20.0, "Basic"),  # ended on the day
        ("c", "2025-07-01 00:00", None, "2026-07-01 00:00", 30.0, "Pro"),                  # starts after as-of
    )
    rows = by_id(subscription_columns(subs, END, ["plan"], {"customer_id", "plan"}))
    assert set(rows) == {"a", "b"}
    a, b = rows["a"], rows["b"]
    assert (a["subscription_status"], a["active_subscriptions"], a["mrr"]) == ("active", 2, 55.0)
    assert a["next_renewal_at"] == dt.datetime(2025, 6, 30) and a["subscription_plan"] == "Addon"
    assert (b["subscription_status"], b["active_subscriptions"], b["mrr"], b["next_renewal_at"]) == ("ended", 0, 0.0, None)
    assert b["subscription_plan"] == "Basic"


def test_customers_as_of_created_and_churn():
    customers = frame(
        "customer_id created_at churned_at segment",
        ("a", "2024-01-01 00:00", "2025-06-30 10:00", "SMB"),
        ("b", "2024-01-01 00:00", "2025-07-10 00:00", "SMB"),  # churns after as-of: not yet
        ("c", "2025-07-01 00:00", None, "SMB"),                # created after as-of: no row
        ("d", None, None, "Ent"),                              # undated: kept
    )
    rows = by_id(customer_columns(customers, AS_OF, ["segment"]))
    assert set(rows) == {"a", "b", "d"}
    assert (rows["a"]["churned"], rows["a"]["churned_at"]) == (True, dt.datetime(2025, 6, 30, 10))
    assert (rows["b"]["churned"], rows["b"]["churned_at"], rows["d"]["churned"]) == (False, None, False)


def write_project(project, *, with_orders=True):
    project.file("customers.csv", """
        id,created,churned,tier
        a,2024-01-01,No,SMB
        b,2024-01-01,No,Ent
        c,2024-01-01,Yes,SMB
        d,2024-01-01,No,SMB
        e,2024-01-01,No,SMB
    """)
    project.file("orders.csv", """
        id,customer,date,amount
        1,a,2025-01-01,10
        2,a,2025-06-01,20
        3,z,2025-06-30,5
    """)
    project.file("surveys.csv", """
        customer,date,type,score
        a,2025-06-01,NPS,10
        b,2025-01-01,NPS,10
        c,2025-06-01,NPS,9
        d,2025-06-01,NPS,9
        e,2025-06-01,NPS,3
        b,2025-06-10,NPS,2
    """)
    project.file("tickets.csv", """
        id,customer,created,resolved
        1,d,2025-06-20,
        2,e,2025-05-01,2025-05-02
        3,b,2025-06-20,2025-06-21
    """)
    orders = ("orders:\n            path: orders.csv\n"
              "            columns: {order_id: id, customer_id: customer, ordered_at: date, amount: amount}"
              if with_orders else "")
    project.config(f"""
        version: 1
        datasets:
          customers:
            path: customers.csv
            columns: {{customer_id: id, created_at: created, churned: {{column: churned, values: {{"Yes": true, "No": false}}}}, tier: tier}}
          surveys:
            path: surveys.csv
            columns: {{customer_id: customer, responded_at: date, type: {{column: type, values: {{NPS: nps}}}}, score: score}}
          tickets:
            path: tickets.csv
            columns: {{ticket_id: id, customer_id: customer, created_at: created, resolved_at: resolved}}
          {orders}
    """)


def test_base_is_customers_and_order_customers(cli, project):
    write_project(project)
    result = cli("customers", "-c", str(project.root / "crmctl.yaml"), "--as-of", "2025-06-30", "-f", "json")
    assert result.exit_code == 0, result.stderr
    rows = {r["customer_id"]: r for r in result.json()["rows"]}
    assert set(rows) == {"a", "b", "c", "d", "e", "z"}  # z ordered but is not in the export; b–e never ordered
    assert (rows["b"]["orders"], rows["b"]["tier"], rows["z"]["tier"], rows["a"]["orders"]) == (None, "Ent", None, 2)
    assert (rows["d"]["open_tickets"], rows["e"]["open_tickets"], rows["a"]["tickets"]) == (1, 0, 0)


def test_promoters_and_detractors(cli, project):
    write_project(project, with_orders=False)
    config = str(project.root / "crmctl.yaml")
    body = cli("customers", "-c", config, "--as-of", "2025-06-30", "--promoters", "-f", "json").json()
    # a: 10 recently; b: latest is 2; c: churned; d: an open ticket; e: a 3.
    assert [r["customer_id"] for r in body["rows"]] == ["a"]
    assert body["meta"]["list"]["not_checked"] == ["P(alive) (no fitted BG/NBD model)"]
    body = cli("customers", "-c", config, "--as-of", "2025-06-30", "--promoters", "--recent", "10", "-f", "json").json()
    assert body["rows"] == []
    body = cli("customers", "-c", config, "--as-of", "2025-06-30", "--detractors", "-f", "json").json()
    # b answered 2 on 06-10 and had a ticket on 06-20 (followed up); e answered 3 and nothing since.
    assert [(r["customer_id"], r["days_since_response"]) for r in body["rows"]] == [("e", 29)]
    result = cli("customers", "-c", config, "--promoters", "--detractors")
    assert result.exit_code == 2 and "one at a time" in result.stderr


def test_promoters_need_surveys(cli):
    result = cli("customers", "-c", str(_telco_config()), "--promoters")
    assert result.exit_code == 2 and "--promoters needs NPS responses" in result.stderr


def _telco_config():
    from tests.conftest import ROOT

    return ROOT / "examples" / "telco.yaml"


def test_telco_snapshot_rows_are_dimensions_and_churn(cli):
    body = cli("customers", "-c", str(_telco_config()), "-f", "json").json()
    rows = body["rows"]
    assert len(rows) == 7043 and body["meta"]["as_of"] is None and body["meta"]["datasets"] == ["customers"]
    assert set(rows[0]) == {"customer_id", "contract", "internet_service", "payment_method", "senior_citizen",
                            "tenure_months", "churned"}
    assert sum(r["churned"] for r in rows) == 1869  # the export's 1,869 "Yes"
    assert rows[0]["customer_id"] == min(r["customer_id"] for r in rows)


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_sample_360_in_every_format(cli, fmt):
    result = cli("customers", "--top", "3", "-f", fmt)
    assert result.exit_code == 0, result.stderr
    for column in ("mrr", "nps_category", "open_tickets", "engagement_change"):
        assert column in result.stdout


def test_leads_that_name_the_customer():
    from crmctl.customers.profile import lead_columns

    leads = frame(
        "customer_id created_at closed_at status amount",
        ("a", "2025-01-01 00:00", "2025-03-01 00:00", "won", 100.0),
        ("a", "2025-02-01 00:00", "2025-07-05 00:00", "won", 50.0),   # won after as-of: open on the day
        ("a", "2025-05-01 00:00", None, "open", 10.0),
        ("a", "2025-06-01 00:00", "2025-06-10 00:00", "lost", 70.0),
        ("a", "2025-07-02 00:00", None, "open", 10.0),                # created after as-of
    )
    a = by_id(lead_columns(leads, END))["a"]
    assert (a["leads"], a["open_leads"], a["won_deals"], a["won_amount"]) == (4, 2, 1, 100.0)
    assert a["last_lead_at"] == dt.datetime(2025, 6, 1)


def test_signals_collected_ahead_are_the_columns_the_lazy_joins_give():
    # build_customers collects the surveys', tickets' and interactions' columns while the models fit;
    # the subscriptions' columns wait for the table's names. Joined, the table is the one-plan table.
    from crmctl.config import load_config
    from crmctl.customers.table import _joined, _modelled, _signals, default_as_of, load_all
    from crmctl.domain.timeline import span_weeks
    from tests.conftest import SAMPLE_CONFIG

    config = load_config(SAMPLE_CONFIG)
    dims = tuple(config.dimensions("customers"))
    datasets = load_all(config, dims)
    as_of = default_as_of(datasets)
    modelled, _ = _modelled(config, datasets, as_of, span_weeks(as_of, "12m"))
    signals = _signals(config, datasets, as_of)
    assert sorted(signals) == ["interactions", "surveys", "tickets"]
    ahead, lazy = (_joined(config, datasets, as_of, dims, modelled, s) for s in (signals, {}))
    assert ahead.equals(lazy) and ahead.height == lazy.height > 0
    assert {"sub_plan", "nps", "open_tickets", "engagement_90d"} <= set(ahead.columns)
    assert _signals(config, datasets, None) == {}  # an undated table has no as-of day to take signals at

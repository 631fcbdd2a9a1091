"""Service and operations metrics on hand-computed tickets; a plain-Python differential test."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import textwrap

import pytest

from crmctl.config import load_config
from crmctl.report.build import build_report, with_overrides

TICKETS = """
    datasets:
      tickets:
        path: tickets.csv
        columns:
          ticket_id: id
          created_at: {column: created, format: "%Y-%m-%d %H:%M"}
          resolved_at: {column: resolved, format: "%Y-%m-%d %H:%M"}
          first_response_at: {column: first, format: "%Y-%m-%d %H:%M"}
          contacts: replies
          sla_due_at: {column: due, format: "%Y-%m-%d %H:%M"}
          automated: auto
          reopens: reopens
          channel: channel
"""


@pytest.fixture
def desk(project):
    """t1 resolved in January in 10 h with 1 reply (one-touch, within SLA);
    t2 created in January, resolved in February after 30 h with 3 replies (SLA breached);
    t3 resolved before it was created (negative, excluded from times) with 1 reply;
    t4 solved with 0 replies in 2 h (excluded from FCR by default);
    t5 never resolved, due in February (a breach); t6 never resolved, due after the export ends."""
    project.file("tickets.csv", """
        id,created,resolved,first,replies,due,auto,reopens,channel
        t1,2024-01-02 08:00,2024-01-02 18:00,2024-01-02 09:00,1,2024-01-03 08:00,no,0,email
        t2,2024-01-31 20:00,2024-02-02 02:00,2024-02-01 08:00,3,2024-02-01 20:00,yes,1,chat
        t3,2024-02-10 12:00,2024-02-10 10:00,,1,2024-02-11 12:00,no,0,email
        t4,2024-02-12 09:00,2024-02-12 11:00,,0,2024-02-13 09:00,yes,,chat
        t5,2024-02-20 09:00,,2024-02-20 10:00,,2024-02-21 09:00,no,,email
        t6,2024-03-05 09:00,,,,2024-03-30 09:00,,,email
    """)
    project.config(TICKETS)
    return project


def _values(project, metrics, **overrides):
    config = load_config(project.root / "crmctl.yaml")
    rows = build_report(config, with_overrides(config.report, metrics=metrics, **overrides)).rows
    return {(r["metric"], r["period_start"].month, *(r[b] for b in overrides.get("by", ()))): r
            for r in rows.to_dicts()}


def test_volume_and_backlog(desk):
    v = _values(desk, ("ticket_volume", "backlog"))
    assert [v[("ticket_volume", m)]["value"] for m in (1, 2, 3)] == [2, 3, 1]
    # Open at the end of Jan: t2. Feb: t5 (t2, t3, t4 resolved). Mar: t5, t6.
    assert [v[("backlog", m)]["value"] for m in (1, 2, 3)] == [1, 1, 2]


def test_first_contact_resolution_follows_zendesk_explore_by_default(desk):
    # Zendesk Explore's one-touch tickets: solved with fewer than two agent replies, zero included.
    v = _values(desk, ("first_contact_resolution",))
    jan, feb = v[("first_contact_resolution", 1)], v[("first_contact_resolution", 2)]
    assert (jan["numerator"], jan["denominator"]) == (1, 1)
    # Feb resolutions: t2 (3 replies), t3 (1), t4 (0 replies): t3 and t4 are one-touch.
    assert (feb["numerator"], feb["denominator"], feb["note"]) == (2, 3, None)
    assert v[("first_contact_resolution", 3)]["value"] is None


def test_zero_reply_tickets_can_be_excluded(desk):
    (desk.root / "crmctl.yaml").write_text(textwrap.dedent(TICKETS) + "definitions: {fcr_zero_contacts: exclude}\n")
    feb = _values(desk, ("first_contact_resolution",))[("first_contact_resolution", 2)]
    assert (feb["numerator"], feb["denominator"], feb["note"]) == (1, 2, "1 tickets without a contact count excluded")


def test_resolution_times_exclude_negative_durations(desk):
    v = _values(desk, ("avg_resolution_time", "median_resolution_time", "p90_resolution_time", "first_response_time"))
    assert v[("avg_resolution_time", 1)]["value"] == 10.0
    feb = v[("avg_resolution_time", 2)]
    assert feb["value"] == pytest.approx((30 + 2) / 2) and feb["n"] == 2
    assert feb["note"] == "1 tickets with a resolution before creation excluded"
    assert v[("median_resolution_time", 2)]["value"] == pytest.approx(16.0)
    assert v[("p90_resolution_time", 2)]["value"] == pytest.approx(2 + 0.9 * 28)
    # First responses: t1 in Jan after 1 h; t2 (12 h) and t5 (1 h) in Feb.
    assert v[("first_response_time", 1)]["value"] == 1.0
    assert v[("first_response_time", 2)]["value"] == pytest.approx(6.5)


def test_sla_compliance_counts_unresolved_past_due_as_breaches(desk):
    v = _values(desk, ("sla_compliance_rate",))
    assert v[("sla_compliance_rate", 1)]["value"] == 1.0  # t1 due Jan 3, resolved Jan 2
    # Due in Feb: t2 (late), t3 (resolved early), t4 (in time), t5 (unresolved, past due).
    feb = v[("sla_compliance_rate", 2)]
    assert (feb["numerator"], feb["denominator"]) == (2, 4)
    # t6 is due Mar 30, after the export's last timestamp (Mar 5): not yet decided.
    mar = v[("sla_compliance_rate", 3)]
    assert mar["value"] is None and mar["note"] == "no tickets due in the period"


def test_sla_from_a_breached_flag(project):
    project.file("t.csv", "id,created,breached\n1,2024-01-01,yes\n2,2024-01-02,no\n3,2024-01-03,no\n4,2024-01-04,\n")
    project.config("datasets:\n  tickets: {path: t.csv, columns: {ticket_id: id, created_at: created, "
                   "sla_breached: breached}}\n")
    jan = _values(project, ("sla_compliance_rate",))[("sla_compliance_rate", 1)]
    assert (jan["numerator"], jan["denominator"]) == (2, 3)


def test_automation_and_reopens(desk):
    v = _values(desk, ("process_automation_rate", "reopen_rate"))
    assert v[("process_automation_rate", 1)]["value"] == 0.5
    assert v[("process_automation_rate", 2)]["value"] == pytest.approx(1 / 3)
    assert v[("process_automation_rate", 3)]["value"] is None  # t6 has no flag
    feb = v[("reopen_rate", 2)]  # resolved in Feb with a count: t2 (1 reopen), t3 (0)
    assert (feb["numerator"], feb["denominator"]) == (1, 2)


def test_split_by_ticket_channel(desk):
    v = _values(desk, ("ticket_volume",), by=("channel",))
    assert v[("ticket_volume", 2, "chat")]["value"] == 1 and v[("ticket_volume", 2, "email")]["value"] == 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_service_matches_plain_python(project, seed):
    rng = random.Random(seed)
    start = dt.datetime(2024, 1, 1)
    tickets = []
    for i in range(rng.randint(5, 120)):
        created = start + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 120))
        resolved = created + dt.timedelta(hours=rng.uniform(-5, 300)) if rng.random() < 0.85 else None
        tickets.append((f"t{i}", created, resolved, rng.choice([0, 1, 1, 2, 5])))
    project.file("tickets.csv", "id,created,resolved,replies\n" + "".join(
        f"{i},{c:%Y-%m-%d %H:%M},{r:%Y-%m-%d %H:%M},{n}\n" if r else f"{i},{c:%Y-%m-%d %H:%M},,{n}\n"
        for i, c, r, n in tickets))
    project.config("datasets:\n  tickets: {path: tickets.csv, columns: {ticket_id: id, created_at: created, "
                   "resolved_at: resolved, contacts: replies}}\n")
    metrics = ("ticket_volume", "first_contact_resolution", "avg_resolution_time", "median_resolution_time", "backlog")
    config = load_config(project.root / "crmctl.yaml")
    rows = build_report(config, with_overrides(config.report, metrics=metrics)).rows
    for row in rows.to_dicts():
        lo = dt.datetime.combine(row["period_start"], dt.time())
        hi = dt.datetime.combine(row["period_end"] + dt.timedelta(days=1), dt.time())
        # Minutes in the CSV: compare against the same rounding.
        solved = [(c, r, n) for _, c, r, n in tickets if r is not None and lo <= r.replace(second=0, microsecond=0) < hi]
        hours = [(r.replace(second=0, microsecond=0) - c).total_seconds() / 3600 for c, r, _ in solved]
        hours = [h for h in hours if h >= 0]
        counted = [n for _, _, n in solved]  # Zendesk Explore's one-touch: fewer than 2 replies
        expected = {
            "ticket_volume": sum(1 for _, c, _, _ in tickets if lo <= c < hi),
            "first_contact_resolution": sum(1 for n in counted if n < 2) / len(counted) if counted else None,
            "avg_resolution_time": sum(hours) / len(hours) if hours else None,
            "median_resolution_time": statistics.median(hours) if hours else None,
            "backlog": sum(1 for _, c, r, _ in tickets
                           if c < hi and (r is None or r.replace(second=0, microsecond=0) >= hi)),
        }[row["metric"]]
        got = row["value"]
        assert (got is None) == (expected is None) and (expected is None or got == pytest.approx(expected)), row

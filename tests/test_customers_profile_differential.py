"""The ticket and survey columns of crmctl customers against a plain-Python reading of random exports."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from crmctl.config import load_config
from crmctl.customers import CustomersSpec, build_customers

IDS = [f"c{i:02d}" for i in range(25)]
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
START = dt.datetime(2025, 1, 1)


def _random_rows(rng: random.Random):
    tickets, surveys = [], []
    for n in range(300):
        created = START + dt.timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        resolved = None if rng.random() < 0.2 else created + dt.timedelta(hours=rng.expovariate(1 / 30))
        due = None if rng.random() < 0.1 else created + dt.timedelta(hours=24)
        tickets.append((str(n), rng.choice(IDS), created, resolved, rng.choice([0, 0, 0, 1, 2]), due))
    for _ in range(400):
        # Whole days, so that same-time responses (ties) happen; a few scores off their scale.
        when = START + dt.timedelta(days=rng.randrange(0, 365))
        kind = rng.choice(["nps", "csat", "ces"])
        surveys.append((rng.choice(IDS), when, kind, rng.randrange(-1, 12)))
    return tickets, surveys


def _plain(tickets, surveys, as_of: dt.date) -> dict[str, dict]:
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    out = {c: {"tickets": 0, "open_tickets": 0, "tickets_90d": 0, "reopened_tickets": 0, "sla_breaches": 0,
               "last_ticket_at": None, **{k: None for k in SCALES}, **{f"{k}_at": None for k in SCALES}} for c in IDS}
    for _, who, created, resolved, reopens, due in tickets:
        if created >= end:
            continue
        row = out[who]
        row["tickets"] += 1
        row["open_tickets"] += resolved is None or resolved >= end
        row["tickets_90d"] += (end - created) <= dt.timedelta(days=90)
        row["reopened_tickets"] += reopens > 0
        row["sla_breaches"] += due is not None and due < end and (resolved is None or resolved > due)
        row["last_ticket_at"] = max(filter(None, [row["last_ticket_at"], created]))
    for who, when, kind, score in sorted(surveys, key=lambda s: (s[1], -s[3])):  # ties: the lower score last
        low, high = SCALES[kind]
        if when < end and low <= score <= high:
            out[who][kind], out[who][f"{kind}_at"] = float(score), when
    for row in out.values():
        nps = row["nps"]
        row["nps_category"] = None if nps is None else "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor"
    return out


def _write(project, tickets, surveys):
    text = lambda v: "" if v is None else v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, dt.datetime) else str(v)
    project.file("customers.csv", "id\n" + "".join(f"{c}\n" for c in IDS))
    project.file("tickets.csv", "id,customer,created,resolved,reopens,due\n"
                 + "".join(",".join(map(text, t)) + "\n" for t in tickets))
    project.file("surveys.csv", "customer,date,type,score\n" + "".join(",".join(map(text, s)) + "\n" for s in surveys))
    fmt = '{column: %s, format: "%%Y-%%m-%%d %%H:%%M:%%S"}'
    return project.load(f"""
        version: 1
        definitions: {{nps_scale: [0, 10], csat_scale: [1, 5], ces_scale: [1, 7]}}
        datasets:
          customers: {{path: customers.csv, columns: {{customer_id: id}}}}
          tickets:
            path: tickets.csv
            columns: {{ticket_id: id, customer_id: customer, created_at: {fmt % 'created'},
                      resolved_at: {fmt % 'resolved'}, reopens: reopens, sla_due_at: {fmt % 'due'}}}
          surveys:
            path: surveys.csv
            columns: {{customer_id: customer, responded_at: {fmt % 'date'}, type: type, score: score}}
    """)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ticket_and_survey_columns_match_plain_python(project, seed):
    rng = random.Random(seed)
    tickets, surveys = _random_rows(rng)
    config = _write(project, tickets, surveys)
    as_of = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(60, 365))
    rows, meta = build_customers(config, CustomersSpec(as_of=as_of))
    expected = _plain(tickets, surveys, as_of)
    got = {r["customer_id"]: r for r in rows.to_dicts()}
    assert set(got) == set(IDS) and meta["as_of"] == as_of.isoformat()
    for customer in IDS:
        assert {k: got[customer][k] for k in expected[customer]} == expected[customer], customer

"""Differential: the same exports keyed by e-mail give the same report as keyed by customer_id, and
ticket volume per segment matches a plain-Python translation of the e-mails."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import random

import polars as pl
import pytest

from crmctl.config import load_config
from crmctl.report.build import build_report, with_overrides

SEGMENTS = ("gold", "silver", "bronze")
METRICS = ("revenue", "orders", "average_order_value", "repeat_purchase_rate", "active_customers", "new_customers",
           "churn_rate", "ticket_volume", "first_contact_resolution", "avg_resolution_time")


def _spelled(rng: random.Random, email: str) -> str:
    """The same address as another system might write it."""
    return rng.choice([email, email.upper(), f"  {email} ", email.title(), email.lower()])


def _write(path, header, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _exports(root, seed: int) -> dict[str, str]:
    """customers, orders and tickets; tickets and orders written twice: by customer id and by e-mail.
    Returns customer id → its e-mail, normalised."""
    rng = random.Random(seed)
    start = dt.date(2024, 1, 1)
    emails = {f"c{i:03}": f"user{i}@Example.com" for i in range(1, 31)}
    _write(root / "customers.csv", ["id", "mail", "tier", "since"],
           [[c, _spelled(rng, e), rng.choice(SEGMENTS), start + dt.timedelta(days=rng.randrange(0, 120))]
            for c, e in emails.items()])
    ids = list(emails)
    orders = [[f"o{n}", rng.choice(ids), start + dt.timedelta(days=rng.randrange(0, 365)), rng.randrange(5, 500)]
              for n in range(150)]
    tickets = []
    for n in range(120):
        opened = start + dt.timedelta(days=rng.randrange(0, 365))
        customer = rng.choice(ids) if rng.random() > 0.1 else ""  # some tickets have no requester
        solved = opened + dt.timedelta(days=rng.randrange(0, 9))
        tickets.append([f"t{n}", customer, opened, solved, rng.randrange(1, 4)])
    _write(root / "orders_by_id.csv", ["order", "who", "date", "amount"], orders)
    _write(root / "orders_by_email.csv", ["order", "who", "date", "amount"],
           [[o, _spelled(rng, emails[c]), d, a] for o, c, d, a in orders])
    _write(root / "tickets_by_id.csv", ["ticket", "who", "opened", "solved", "touches"], tickets)
    _write(root / "tickets_by_email.csv", ["ticket", "who", "opened", "solved", "touches"],
           [[t, _spelled(rng, emails[c]) if c else "", o, s, n] for t, c, o, s, n in tickets])
    return {c: e.lower() for c, e in emails.items()}


def _config(root, orders_key: str, tickets_key: str):
    orders_field = "customer_id" if orders_key == "id" else "customer_email"
    tickets_field = "customer_id" if tickets_key == "id" else "customer_email"
    path = root / f"crmctl-{orders_key}-{tickets_key}.yaml"
    path.write_text(f"""
version: 1
datasets:
  customers:
    path: customers.csv
    columns: {{customer_id: id, email: mail, segment: tier, created_at: since}}
  orders:
    path: orders_by_{orders_key}.csv
    columns: {{order_id: order, {orders_field}: who, ordered_at: date, amount: amount}}
  tickets:
    path: tickets_by_{tickets_key}.csv
    columns: {{ticket_id: ticket, {tickets_field}: who, created_at: opened, resolved_at: solved,
               contacts: touches}}
""")
    return load_config(path)


def _rows(config) -> pl.DataFrame:
    spec = with_overrides(config.report, metrics=METRICS, by=("segment",), period="month")
    return build_report(config, spec).rows


@pytest.mark.parametrize("seed", [1, 2])
def test_keyed_by_email_equals_keyed_by_id(tmp_path, seed):
    _exports(tmp_path, seed)
    by_id = _rows(_config(tmp_path, "id", "id"))
    assert set(by_id["metric"]) == set(METRICS)
    for orders_key, tickets_key in (("id", "email"), ("email", "email")):
        mixed = _rows(_config(tmp_path, orders_key, tickets_key))
        assert mixed.equals(by_id), (orders_key, tickets_key)


def test_ticket_volume_per_segment_matches_a_plain_translation(tmp_path):
    emails = _exports(tmp_path, 3)
    segment = {r["id"]: r["tier"] for r in csv.DictReader((tmp_path / "customers.csv").open())}
    owner = {e: c for c, e in emails.items()}
    expected = collections.Counter()
    for row in csv.DictReader((tmp_path / "tickets_by_email.csv").open()):
        key = row["who"].strip().lower()
        month = dt.date.fromisoformat(row["opened"]).replace(day=1)
        expected[(month, segment[owner[key]] if key else None)] += 1
    rows = _rows(_config(tmp_path, "id", "email")).filter(pl.col("metric") == "ticket_volume", pl.col("n") > 0)
    assert {(r["period_start"], r["segment"]): r["value"] for r in rows.iter_rows(named=True)} == expected

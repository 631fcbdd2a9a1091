"""A small CRM export written by an attacker: every text a user can type into a CRM is hostile.

Segment, region and plan names carry Rich markup, terminal escape sequences (set the window title,
clear the screen, a C1 CSI), a bidi override, spreadsheet formulas, HTML and Markdown that would break
out of a heading. tests/test_hostile.py runs every command and writer over it.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HOSTILE = (
    "[bold red]PWN[/]",
    "[link=http://evil.example]click[/link]",
    "\x1b]0;owned\x07Title",
    "\x1b[2J\x1b[31mClear",
    '=HYPERLINK("http://evil.example","x")',
    "<img src=x onerror=alert(1)>",
    "Multi\nLine\n### heading",
    "\u202eevil",
    ":warning: |pipe| *bold*",
    "\x9b31mC1",
)
# What must never reach any output as it is: the escape sequences' and overrides' characters.
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")

CONFIG = """\
version: 1
datasets:
  customers:
    path: customers.csv
    columns: {customer_id: id, created_at: {column: created, format: "%Y-%m-%d"}, segment: tier, region: region}
  orders:
    path: orders.csv
    columns: {order_id: order, customer_id: customer, ordered_at: {column: date, format: "%Y-%m-%d"}, amount: amount}
  surveys:
    path: surveys.csv
    columns: {customer_id: customer, responded_at: {column: date, format: "%Y-%m-%d"}, type: kind, score: score}
report: {period: quarter, by: [segment], metrics: [revenue, orders, nps]}
targets:
  revenue: {min: 1}
"""


def write_hostile(root: Path) -> Path:
    """The export files and their crmctl.yaml in `root`; returns the config's path."""
    rng = random.Random(21)
    start = dt.date(2024, 1, 1)
    customers, orders, surveys = [], [], []
    for index in range(60):
        cid = f"c{index:03d}"
        created = start + dt.timedelta(days=rng.randrange(0, 200))
        # Regions are lopsided (two thirds in one), so that compare --by region warns of a sample ratio
        # mismatch, naming every group in its warning.
        region = HOSTILE[(index + 3) % len(HOSTILE)] if index % 3 == 0 else HOSTILE[2]
        customers.append([cid, created.isoformat(), HOSTILE[index % len(HOSTILE)], region])
        day = created
        for number in range(rng.randrange(1, 7)):
            day += dt.timedelta(days=rng.randrange(5, 90))
            if day > dt.date(2025, 6, 30):
                break
            orders.append([f"o{index}-{number}", cid, day.isoformat(), f"{rng.uniform(10, 500):.2f}"])
        surveys.append([cid, (created + dt.timedelta(days=30)).isoformat(), "nps", str(rng.randrange(0, 11))])
    _write(root / "customers.csv", ["id", "created", "tier", "region"], customers)
    _write(root / "orders.csv", ["order", "customer", "date", "amount"], orders)
    _write(root / "surveys.csv", ["customer", "date", "kind", "score"], surveys)
    config = root / "crmctl.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)

"""Shared helpers: tiny export sets written to a temp folder, and a CLI runner with stderr."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmctl.config import load_config

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CONFIG = ROOT / "config.example.yaml"
TELCO = ROOT / "examples" / "data" / "telco" / "Telco-Customer-Churn.csv"  # shipped: Apache-2.0, see its README


class Project:
    """A folder with export files and a crmctl.yaml that maps them."""

    def __init__(self, root: Path):
        self.root = root

    def file(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def config(self, text: str) -> Path:
        return self.file("crmctl.yaml", text)

    def load(self, text: str):
        return load_config(self.config(text))

    def plan(self, text: str):
        """Loads the config and checks its metric names, as planning a report does."""
        from crmctl.metrics.catalogue import check_metric_names

        config = self.load(text)
        check_metric_names(config)
        return config


@pytest.fixture
def project(tmp_path) -> Project:
    return Project(tmp_path)


@pytest.fixture
def cli(monkeypatch, tmp_path):
    """Runs crmctl in an empty folder with no $CRMCTL_CONFIG; returns the Result (.stdout, .stderr)."""
    monkeypatch.delenv("CRMCTL_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    from crmctl.cli import app

    def run(*args: str, **env):
        result = CliRunner().invoke(app, list(args), env=env or None, catch_exceptions=False)
        result.json = (lambda: json.loads(result.stdout))
        return result

    return run


ORDERS_CONFIG = """
    version: 1
    datasets:
      customers:
        path: customers.csv
        columns: {customer_id: id, segment: tier}
      orders:
        path: orders.csv
        columns:
          order_id: order
          customer_id: customer
          ordered_at: {column: date, format: "%Y-%m-%d"}
          amount: amount
          status: status
        where: {status: [paid]}
    report: {period: month, metrics: [revenue, orders, average_order_value, sales_growth]}
"""


@pytest.fixture
def shop(project) -> Project:
    """Three customers, six orders over Jan–Apr 2024 (March empty), one refunded, one unknown customer."""
    project.file("customers.csv", """
        id,tier
        c1,gold
        c2,silver
        c3,
    """)
    project.file("orders.csv", """
        order,customer,date,amount,status
        o1,c1,2024-01-05,100.00,paid
        o2,c2,2024-01-20,50.00,paid
        o3,c1,2024-02-01,30.00,paid
        o4,c3,2024-02-29,20.00,paid
        o5,c2,2024-02-10,999.00,refunded
        o6,c9,2024-04-30,40.00,paid
    """)
    project.config(ORDERS_CONFIG)
    return project


@pytest.fixture
def activity_shop(project):
    """churn_after_days 30; acquisition is the first order. Spells (start < t ≤ end active):
    a [Jan 5, Feb 19)        orders Jan 5, Jan 20
    b [Mar 1, Mar 31)        acquired and churned inside March
    c [Jan 10, Feb 9) and [Apr 15, May 15)   reactivated in April
    d [May 20, open)         its churn date (Jun 19) is after the export's last day (May 20): no churn
    """
    project.file("orders.csv", """
        order,customer,date,amount
        1,a,2024-01-05,10
        2,a,2024-01-20,10
        3,c,2024-01-10,10
        4,b,2024-03-01,10
        5,c,2024-04-15,10
        6,d,2024-05-20,10
    """)
    project.config("""
        datasets:
          orders:
            path: orders.csv
            columns: {order_id: order, customer_id: customer, ordered_at: date, amount: amount}
        definitions: {churn_after_days: 30}
    """)
    return project

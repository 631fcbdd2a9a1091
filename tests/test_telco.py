"""The real Telco churn export (a snapshot with a Yes/No flag) through examples/telco.yaml."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from conftest import ROOT, TELCO

def test_churn_rate_by_contract_matches_a_plain_count(cli):
    with open(TELCO, newline="") as handle:
        rows = list(csv.DictReader(handle))
    customers, churned = Counter(r["Contract"] for r in rows), Counter(r["Contract"] for r in rows if r["Churn"] == "Yes")
    result = cli("report", "-c", str(ROOT / "examples" / "telco.yaml"), "-f", "json")
    assert result.exit_code == 0
    got = {r["contract"]: r for r in result.json()["rows"]}
    assert set(got) == set(customers) == {"Month-to-month", "One year", "Two year"}
    for contract, total in customers.items():
        assert (got[contract]["numerator"], got[contract]["denominator"]) == (churned[contract], total)
        assert got[contract]["value"] == pytest.approx(churned[contract] / total)
    assert got["Month-to-month"]["value"] == pytest.approx(0.4271, abs=1e-4)  # IBM's published 42.7%
    assert result.json()["meta"]["activity_model"] == "snapshot"


def test_telco_table_labels_the_snapshot(cli):
    result = cli("report", "-c", str(ROOT / "examples" / "telco.yaml"))
    assert result.exit_code == 0
    assert "snapshot" in result.stdout and "42.7%" in result.stdout


def test_check_on_a_snapshot(cli, tmp_path):
    config = (ROOT / "examples" / "telco.yaml").read_text().replace("path: data/", f"path: {ROOT}/examples/data/")
    (tmp_path / "telco.yaml").write_text(config + "targets: {churn_rate: {max: 0.2}}\n")
    result = cli("check", "-c", str(tmp_path / "telco.yaml"))
    assert result.exit_code == 1
    assert result.stdout == "MISSED: churn_rate contract=Month-to-month snapshot: 42.7% (target max 20.0%)\n"

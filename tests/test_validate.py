"""`crmctl validate` on the sample data and on a deliberately broken copy of it."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import ROOT
from crmctl.errors import ExitCode


def test_the_sample_is_clean(cli):
    result = cli("validate")
    assert result.exit_code == 0
    assert "No problems found." in result.stdout


@pytest.fixture
def broken(tmp_path):
    """The sample with one problem per check, written as a user's messy export would have it."""
    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    shutil.copy(ROOT / "config.example.yaml", tmp_path / "crmctl.yaml")
    data = tmp_path / "sample_data"
    customers = (data / "customers.csv").read_text().splitlines()
    customers.append(customers[1])  # a duplicated customer id
    customers.append("999999,Zed,2099-01-01 10:00,SMB,EMEA,Basic,Customer")  # a date in the future
    (data / "customers.csv").write_text("\n".join(customers) + "\n\n")  # and a trailing blank line
    with open(data / "tickets.csv", "a") as out:
        out.write("99999,123456789,2025-06-01T10:00:00Z,,,,Email,2025-06-02T10:00:00Z,FALSE,0\n")
    with open(data / "surveys.csv", "a") as out:
        out.write("100001,01/06/2025 10:00,NPS,11\n100002,02/06/2025 10:00,CSAT,9\n")
    orders = (data / "orders.csv").read_text().replace("Total Amount", "Amount (USD)", 1)
    (data / "orders.csv").write_text(orders)  # the export renamed a mapped column
    return tmp_path / "crmctl.yaml"


def test_broken_copy_fails_with_each_problem_named(cli, broken):
    result = cli("validate", "-c", str(broken), "-f", "json")
    assert result.exit_code == ExitCode.DATA
    findings = {(f["level"], f["dataset"], f["message"].splitlines()[0]) for f in json.loads(result.stdout)["findings"]}
    orders_error = next(f for f in json.loads(result.stdout)["findings"] if f["dataset"] == "orders")
    assert orders_error["level"] == "error"
    assert "column 'Total Amount' is not in the file" in orders_error["message"]
    assert 'did you mean "Amount (USD)"?' in orders_error["message"]
    assert {
        ("info", "customers", "1 rows skipped: blank line"),
        ("warning", "customers", "1 rows skipped: duplicate id (the last row was kept)"),
        ("warning", "customers", "2 rows repeat an id"),
        ("warning", "customers", "1 rows have a date in the future or before 1990"),
        ("warning", "tickets", "1 customer ids are not in customers (their rows fall in the (none) segment)"),
        ("warning", "surveys", "1 NPS scores are outside 0–10 and are excluded"),
        ("warning", "surveys", "1 CSAT scores are outside 1–5 and are excluded"),
    } <= findings


def test_warnings_fail_only_with_strict(cli, broken):
    text = broken.read_text()
    broken.write_text(text.replace("amount: {column: Total Amount", "amount: {column: Amount (USD)"))
    assert cli("validate", "-c", str(broken)).exit_code == 0
    strict = cli("validate", "-c", str(broken), "--strict")
    assert strict.exit_code == ExitCode.DATA
    assert "rows repeat an id" in strict.stdout and "Findings" in strict.stdout


def test_input_files_are_not_modified_by_validate(cli, broken):
    before = {p: p.read_bytes() for p in (broken.parent / "sample_data").glob("*.csv")}
    cli("validate", "-c", str(broken))
    assert {p: p.read_bytes() for p in (broken.parent / "sample_data").glob("*.csv")} == before

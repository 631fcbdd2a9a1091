"""Inputs that crashed crmctl, exhausted it or gave silently wrong answers (issue 21), one test each."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time

import pytest

from conftest import ORDERS_CONFIG

_BOMB = "[" + ", ".join(["&a [x, x, x, x, x, x, x, x, x]"] + [
    f"&{b} [" + ", ".join([f"*{a}"] * 9) + "]" for a, b in zip("abcdefgh", "bcdefghi")]) + "]"


def _shop_orders(shop, rows: str) -> None:
    """Three orders with one bad value: a third of the rows, allowed by max_invalid_ratio here."""
    shop.file("orders.csv", "order,customer,date,amount,status\n" + rows)
    shop.config(ORDERS_CONFIG.replace("where: {status: [paid]}", "where: {status: [paid]}\n        max_invalid_ratio: 0.5"))


@pytest.mark.parametrize("where", ["report.metrics", "datasets.orders.path"])
def test_an_alias_bomb_inside_a_field_is_refused_at_once(cli, shop, where):
    text = ORDERS_CONFIG.replace("metrics: [revenue, orders, average_order_value, sales_growth]", f"metrics: {_BOMB}") \
        if where == "report.metrics" else ORDERS_CONFIG.replace("path: orders.csv", f"path: {_BOMB}")
    config = shop.config(text)
    started = time.perf_counter()
    result = cli("report", "-c", str(config))
    assert time.perf_counter() - started < 5  # a billion values, never walked
    assert result.exit_code == 3
    assert result.stderr == (f"crmctl: {config}: the config expands to more than 100,000 values (YAML aliases "
                             "repeated inside each other?); write the values out\n")


def test_a_date_in_year_9999_is_an_invalid_value_not_a_crash(cli, shop):
    _shop_orders(shop, "o1,c1,2024-01-05,100.00,paid\no2,c2,9999-12-31,50.00,paid\no3,c1,2024-02-01,30.00,paid\n")
    config = str(shop.root / "crmctl.yaml")
    for args in (["customers"], ["customers", "--at-risk"]):
        result = cli(*args, "-c", config, "--as-of", "2024-03-01", "-f", "json")
        assert result.exit_code == 0, result.stderr
        assert "warning: orders.ordered_at: 1 invalid (orders.csv row 3: '9999-12-31')" in result.stderr
    customers = {r["customer_id"]: r for r in cli("customers", "-c", config, "--as-of", "2024-03-01",
                                                   "-f", "json").json()["rows"]}
    assert customers["c1"]["orders"] == 2 and customers["c1"]["revenue"] == 130.0
    findings = cli("validate", "-c", config, "-f", "json").json()["findings"]
    invalid = [f for f in findings if f.get("field") == "ordered_at"]
    assert [(f["count"], f["rows"], f["examples"]) for f in invalid] == [(1, [3], ["9999-12-31"])]


@pytest.mark.parametrize("amount", ["1e400", "1" + "0" * 400])
def test_an_amount_beyond_float_range_is_an_invalid_value(cli, shop, amount):
    _shop_orders(shop, f"o1,c1,2024-01-05,100.00,paid\no2,c2,2024-01-20,{amount},paid\no3,c1,2024-01-25,30.00,paid\n")
    config = str(shop.root / "crmctl.yaml")
    result = cli("report", "-c", config, "-m", "revenue", "-f", "json")
    assert result.exit_code == 0
    assert f"warning: orders.amount: 1 invalid (orders.csv row 3: '{amount}')" in result.stderr
    assert [(r["period_start"], r["value"]) for r in result.json()["rows"]] == [("2024-01-01", 130.0)]
    findings = cli("validate", "-c", config, "-f", "json").json()["findings"]
    assert [(f["count"], f["rows"]) for f in findings if f.get("field") == "amount"] == [(1, [3])]


@pytest.mark.parametrize("row", [
    "o2,c2,2024-01-20,1,146.54,paid",  # an unquoted thousands comma in the amount: the middle
    "o2,extra,c2,2024-01-20,50.00,paid",  # near the start
    "o2,c2,2024-01-20,50.00,paid,late",  # at the end
])
def test_a_row_with_a_field_too_many_stops_the_run_with_its_row(cli, shop, row):
    _shop_orders(shop, f"o1,c1,2024-01-05,100.00,paid\n{row}\no3,c1,2024-02-01,30.00,paid\n")
    config = str(shop.root / "crmctl.yaml")
    message = (f"crmctl: {shop.root / 'orders.csv'}: row 3 has 6 fields but the header has 5; fix or remove that "
               "row (a stray delimiter, an unquoted text field or a number written with a thousands comma, such as "
               "1,146.54)\n")
    for args in (["report", "-m", "revenue"], ["report", "-m", "orders", "-f", "csv"], ["customers"]):
        result = cli(*args, "-c", config)
        assert (result.exit_code, result.stderr) == (4, message), args
    strict = cli("validate", "--strict", "-c", config, "-f", "json")
    assert strict.exit_code == 4
    assert [f["message"] for f in strict.json()["findings"] if f["level"] == "error"] == [message[8:-1]]


def test_a_report_with_no_data_in_its_window_exits_4_unless_allowed(cli, shop):
    config = str(shop.root / "crmctl.yaml")
    result = cli("report", "-c", config, "--from", "2030-01-01", "--to", "2030-03-31")
    assert result.exit_code == 4 and result.stdout == ""
    assert result.stderr == ("crmctl: no data: the data (2024-01-05 .. 2024-04-30) has no dates in the window "
                             "2030-01-01 .. 2030-03-31; change the window (--from, --to, --last), or add "
                             "--allow-empty to accept an empty report (exit 0)\n")
    allowed = cli("report", "-c", config, "--from", "2030-01-01", "--to", "2030-03-31", "-f", "csv", "--allow-empty")
    assert allowed.exit_code == 0 and "2030-01-01,2030-01-31,revenue,,,,0,no data for this period" in allowed.stdout
    assert cli("report", "-c", config, "--from", "2024-04-01", "--to", "2030-03-31").exit_code == 0  # overlaps


def test_check_refuses_a_period_end_outside_the_data(cli, shop):
    config = shop.config(ORDERS_CONFIG + "    targets:\n      revenue: {min: 10}\n")
    for day in ("2023-12-31", "2024-05-01"):
        result = cli("check", "-c", str(config), "--period-end", day)
        assert result.exit_code == 4
        assert result.stderr == (f"crmctl: --period-end {day}: no period of the report holds it (periods run "
                                 "2024-01-01 .. 2024-04-30; the data runs 2024-01-05 .. 2024-04-30); choose a date "
                                 "inside them\n")
    assert cli("check", "-c", str(config), "--period-end", "2024-04-30").exit_code == 0


def test_a_write_killed_midway_leaves_no_temporary_file_after_the_next_write(tmp_path):
    target = tmp_path / "report.csv"
    killed = ("import os, sys\nfrom pathlib import Path\nfrom crmctl.render import write_output\n"
              "os.replace = lambda *a: os._exit(9)  # dies as kill -9 would: no cleanup runs\n"
              f"write_output('half', Path({str(target)!r}))\n")
    assert subprocess.run([sys.executable, "-c", killed]).returncode == 9
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".report.csv.") and left[0].endswith(".tmp")
    (tmp_path / ".report.csv.k2x9abcd.tmp").write_text("from a crmctl that named no pid")
    (tmp_path / ".other.csv.k2x9abcd.tmp").write_text("another target's")
    live = tmp_path / f".report.csv.{os.getpid()}.abcd1234.tmp"
    live.write_text("a write in progress")
    from crmctl.render import write_output

    write_output("whole\n", target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([".other.csv.k2x9abcd.tmp", live.name, "report.csv"])
    assert target.read_text() == "whole\n"


def test_an_existing_file_with_glob_characters_is_read_by_its_name(cli, shop):
    (shop.root / "orders.csv").rename(shop.root / "orders [2024].csv")
    config = shop.config(ORDERS_CONFIG.replace("path: orders.csv", "path: 'orders [2024].csv'"))
    result = cli("report", "-c", str(config), "-m", "revenue", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert [r["value"] for r in result.json()["rows"]][:2] == [150.0, 50.0]


def test_convert_neutralises_formulas_in_both_modes_unless_raw(cli, shop):
    shop.file("customers.csv", 'id,tier\nc1,"=HYPERLINK(""http://evil"",""x"")"\nc2,@SUM(A1)\nc3,-12.50\n')
    clean = cli("convert", str(shop.root / "customers.csv"), "-o", str(shop.root / "clean"))
    assert clean.exit_code == 0, clean.stderr
    cells = list(csv.reader(io.StringIO((shop.root / "clean" / "customers.csv").read_text())))
    assert [row[1] for row in cells[1:]] == ["'=HYPERLINK(\"http://evil\",\"x\")", "'@SUM(A1)", "-12.50"]
    canonical = cli("convert", "-c", str(shop.root / "crmctl.yaml"), "--to", "csv", "-o", str(shop.root / "canon"))
    assert canonical.exit_code == 0, canonical.stderr
    rows = list(csv.DictReader(io.StringIO((shop.root / "canon" / "customers.csv").read_text())))
    assert [r["segment"] for r in rows] == ["'=HYPERLINK(\"http://evil\",\"x\")", "'@SUM(A1)", "-12.50"]
    raw = cli("convert", str(shop.root / "customers.csv"), "-o", str(shop.root / "raw"), "--raw")
    assert raw.exit_code == 0
    assert list(csv.reader(io.StringIO((shop.root / "raw" / "customers.csv").read_text())))[1][1] == \
        '=HYPERLINK("http://evil","x")'


def test_validate_refuses_csv_rather_than_printing_markdown(cli, shop):
    result = cli("validate", "-c", str(shop.root / "crmctl.yaml"), "-f", "csv")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == ("crmctl: --format csv is not available for crmctl validate: use --format "
                             "table|json|markdown\n")


def test_init_writes_a_loadable_config_for_headers_with_control_characters(cli, project):
    header = ["Record ID", "Email", "Create Date", "Lifecycle Stage", "Tier\x1b]0;x\x07", "Re\x9bgion", "Pl\u202ean"]
    path = project.root / "contacts.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, ["1", "a@b.c", "2024-01-01 10:00", "customer", "x", "y", "z"]])
    result = cli("init", str(path), "-o", str(project.root / "crmctl.yaml"))
    assert result.exit_code == 0, result.stderr
    text = (project.root / "crmctl.yaml").read_text(encoding="utf-8")
    assert '# not mapped: "Tier\\u001b]0;x\\u0007", "Re\\u009bgion", "Pl\\u202ean"' in text
    assert cli("validate", "-c", str(project.root / "crmctl.yaml")).exit_code == 0


def test_check_with_no_data_in_the_window_is_no_verdict(cli, shop):
    config = shop.config(ORDERS_CONFIG.replace("report: {", "report: {from: 2030-01-01, to: 2030-03-31, ")
                         + "    targets:\n      revenue: {min: 10}\n")
    result = cli("check", "-c", str(config))
    assert result.exit_code == 4  # not 0: cron must not read "every target met" into no data
    assert result.stderr == ("crmctl: no data: the data (2024-01-05 .. 2024-04-30) has no dates in the window "
                             "2030-01-01 .. 2030-03-31; check the export, or the window in report: (from, to, "
                             "last)\n")

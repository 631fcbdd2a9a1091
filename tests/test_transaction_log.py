"""A transaction log (CDNOW's: customer, date, quantity, amount; runs of spaces, no header, no order id)
is read, recognised by `crmctl init` as orders, and each row gets its file:line as order id."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmctl.config import load_config
from crmctl.read.load import load_dataset
from crmctl.setup.init import recognise

CDNOW = Path(__file__).parent / "data" / "models" / "CDNOW_sample.txt"  # 5 columns: old id, id, date, CDs, $
LOG = """\
 00001  19970101   2   29.33
 00001  19970118   1   14.96
 00002  19970102   3   63.34

 00003  19970212  10  123.90
"""
CONFIG = """\
version: 1
datasets:
  orders:
    path: log.txt
    delimiter: whitespace
    header: false
    columns:
      customer_id: column_1
      ordered_at: {column: column_2, format: "%Y%m%d"}
      amount: column_4
"""


def test_a_headerless_whitespace_log_is_read_with_row_ids(tmp_path):
    (tmp_path / "log.txt").write_text(LOG)
    (tmp_path / "crmctl.yaml").write_text(CONFIG)
    loaded = load_dataset(load_config(tmp_path / "crmctl.yaml").datasets["orders"])
    frame = loaded.frame.sort("order_id")
    assert frame["order_id"].to_list() == ["log.txt:1", "log.txt:2", "log.txt:3", "log.txt:5"]  # the file's lines
    assert frame["customer_id"].to_list() == ["00001", "00001", "00002", "00003"]  # leading zeros kept
    assert frame["amount"].to_list() == [29.33, 14.96, 63.34, 123.90]
    assert str(frame["ordered_at"][3].date()) == "1997-02-12"
    assert loaded.skipped_because == {"blank line": 1}


def test_a_bad_value_is_named_by_the_files_own_line(cli, tmp_path):
    (tmp_path / "log.txt").write_text(LOG.replace("19970102", "1997-0x-02"))
    (tmp_path / "crmctl.yaml").write_text(CONFIG)
    result = cli("validate", "-f", "json")
    assert result.exit_code == 4
    assert "'column_2' (ordered_at): 1 invalid (log.txt row 3: '1997-0x-02')" in result.json()["findings"][0]["message"]


def test_identical_purchases_are_not_taken_for_duplicates(tmp_path):
    (tmp_path / "log.txt").write_text(" 7 19970101 1 9.99\n 7 19970101 1 9.99\n")
    (tmp_path / "crmctl.yaml").write_text(CONFIG)
    assert load_dataset(load_config(tmp_path / "crmctl.yaml").datasets["orders"]).frame.height == 2


def test_init_recognises_the_cdnow_log_and_its_config_reads_every_row(cli, tmp_path):
    found = recognise(CDNOW)
    assert (found.dataset, found.delimiter, found.headerless) == ("orders", "whitespace", True)
    assert found.columns == {"customer_id": "column_1", "ordered_at": "column_3", "amount": "column_5"}
    assert found.formats["ordered_at"][0] == "%Y%m%d" and "order_id" not in found.columns
    assert cli("init", str(CDNOW)).exit_code == 0
    text = (tmp_path / "crmctl.yaml").read_text()
    assert '    delimiter: "whitespace"' in text and "    header: false" in text
    report = cli("report", "-m", "orders,revenue", "--period", "all", "-f", "json")
    assert report.exit_code == 0, report.stderr
    rows = [line.split() for line in CDNOW.read_text().splitlines() if line.strip()]
    values = {r["metric"]: r["value"] for r in report.json()["rows"]}
    assert values["orders"] == len(rows) == 6919
    assert values["revenue"] == pytest.approx(sum(float(r[4]) for r in rows), abs=1e-6)


def test_init_maps_a_comma_separated_log_without_order_ids(tmp_path):
    path = tmp_path / "transactions.csv"
    path.write_text("customer,date,quantity,amount\nc1,2024-01-05,2,10.50\nc2,2024-01-06,1,3.00\n")
    found = recognise(path)
    assert found.dataset == "orders" and "order_id" not in found.columns
    assert found.columns == {"customer_id": "customer", "ordered_at": "date", "amount": "amount"}

"""`crmctl convert`: with a config, canonical typed datasets that give the same report; without one,
clean CSV per file with a summary, going on past a file it cannot read."""

from __future__ import annotations

import json

import pytest

from conftest import SAMPLE_CONFIG


@pytest.mark.parametrize("to", ["parquet", "csv"])
def test_converted_datasets_give_the_same_report(cli, tmp_path, to):
    out = tmp_path / "canonical"
    converted = cli("convert", "-c", str(SAMPLE_CONFIG), "-o", str(out), "--to", to, "-f", "json")
    assert converted.exit_code == 0, converted.stderr
    summary = json.loads(converted.stdout)
    orders = next(d for d in summary["datasets"] if d["dataset"] == "orders")
    assert (orders["rows_read"], orders["rows_written"], orders["rows_filtered"]) == (3601, 3367, 234)
    assert sorted(p.name for p in out.iterdir()) == sorted(["crmctl.yaml", *(f"{d['dataset']}.{to}"
                                                                              for d in summary["datasets"])])
    args = ("report", "-m", "all", "--by", "segment", "-f", "json")
    original = cli(*args, "-c", str(SAMPLE_CONFIG)).json()["rows"]
    again = cli(*args, "-c", str(out / "crmctl.yaml"))
    assert again.exit_code == 0, again.stderr
    assert again.json()["rows"] == original


def test_convert_without_a_config_cleans_each_file_and_goes_on(cli, tmp_path):
    (tmp_path / "messy.csv").write_text("Report: orders\n\nid;amount\n1;2,5\n2;3\nTotal;5,5\n", encoding="utf-8")
    (tmp_path / "book.csv").write_bytes(b"PK\x03\x04 not a csv at all")
    result = cli("convert", str(tmp_path / "messy.csv"), str(tmp_path / "book.csv"), "-o", str(tmp_path / "clean"))
    assert result.exit_code == 4
    assert (tmp_path / "clean" / "messy.csv").read_bytes() == b"id,amount\r\n1,\"2,5\"\r\n2,3\r\n"
    assert "messy.csv" in result.stderr and "book.csv: FAILED" in result.stderr
    assert (tmp_path / "messy.csv").read_text().startswith("Report: orders")  # the input is untouched

"""CSV and JSON carry 12 significant digits: float noise (1505.6499999999999) never reaches a file."""

from __future__ import annotations

import csv
import io
import json

from crmctl.render.base import csv_text
from crmctl.render.numbers import rounded
from crmctl.render.text import json_text


def test_rounded_keeps_twelve_significant_digits():
    assert rounded(1505.6499999999999) == 1505.65
    assert rounded(0.1 + 0.2) == 0.3
    assert rounded(2.9220886220536416e-24) == 2.92208862205e-24  # small p-values keep their digits
    assert rounded(0.0290456431535377) == 0.0290456431535


def test_csv_cells_are_rounded():
    text = csv_text(["a", "b", "c"], [{"a": 1505.6499999999999, "b": 3.0, "c": 889.3299999999999}], raw=False)
    assert list(csv.reader(io.StringIO(text)))[1] == ["1505.65", "3", "889.33"]


def test_json_is_rounded_at_any_depth():
    document = json.loads(json_text({"meta": {"srm": {"chi2": 108.37948717948719}},
                                     "rows": [{"x": 4024.8599999999997, "y": [0.1 + 0.2], "z": float("nan")}]}))
    assert document == {"meta": {"srm": {"chi2": 108.379487179}}, "rows": [{"x": 4024.86, "y": [0.3], "z": None}]}


def test_customers_csv_of_the_sample_has_no_float_noise(cli):
    from tests.conftest import SAMPLE_CONFIG

    result = cli("customers", "-c", str(SAMPLE_CONFIG), "-f", "csv", "--top", "50")
    assert result.exit_code == 0
    cells = [c for row in csv.reader(io.StringIO(result.stdout)) for c in row]
    numbers = [c for c in cells if c.replace(".", "", 1).replace("-", "", 1).isdigit()]
    assert numbers and all(len(c.replace("-", "").replace(".", "").lstrip("0")) <= 12 for c in numbers)


def test_every_json_writer_rounds(cli):
    """compare's meta and validate's completeness came out unrounded before."""
    import re

    from tests.conftest import SAMPLE_CONFIG

    for args in (("compare", "--by", "segment"), ("validate",), ("drivers",), ("cohorts",)):
        text = cli(*args, "-c", str(SAMPLE_CONFIG), "-f", "json").stdout
        mantissas = re.findall(r"(?<![\w.])-?(\d+\.\d+)", text)
        assert mantissas, args
        assert max(len(m.replace(".", "").lstrip("0")) for m in mantissas) <= 12, args

"""Every example config loads and produces a report."""

from __future__ import annotations

import pytest

from conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml")) + [ROOT / "config.example.yaml"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(cli, path):
    result = cli("report", "-c", str(path), "-f", "json")
    assert result.exit_code == 0, result.stderr
    rows = result.json()["rows"]
    assert rows and any(r["value"] is not None for r in rows)
    assert "warning" not in result.stderr

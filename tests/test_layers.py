"""The layers written in pyproject.toml ([tool.importlinter]) hold: imports point down, no circles."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = len(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"])
LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"


def test_import_contracts_are_kept(monkeypatch, capsys):
    from importlinter.cli import lint_imports

    monkeypatch.chdir(ROOT)
    status = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert status == 0, report
    assert f"{CONTRACTS} kept, 0 broken" in report


def test_an_upward_import_breaks_the_contract(tmp_path):
    # The contract must be able to fail: a copy of the package where the ground floor imports a command.
    shutil.copytree(ROOT / "crmctl", tmp_path / "crmctl", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    periods = tmp_path / "crmctl" / "domain" / "periods.py"
    periods.write_text(periods.read_text() + "\nimport crmctl.commands.report  # noqa\n")
    run = subprocess.run([sys.executable, "-c", LINT], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert run.returncode != 0
    assert "crmctl.domain.periods -> crmctl.commands.report" in run.stdout

"""`crmctl --help` stays fast: loading the CLI imports neither Polars nor NumPy (each costs 0.1 s or more)."""

import subprocess
import sys


def test_the_cli_loads_without_polars_or_numpy():
    probe = "import sys, crmctl.cli; print(sorted(m for m in ('polars', 'numpy', 'scipy') if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"

"""Every command, printed to an 80- and a 100-column terminal and into a pipe, as people read it:
no line wider than the terminal, no number cut short ("-6,855.…", "9…"), no box drawing in a pipe.

Each command's result is computed once (with_progress is memoised per command line) and rendered
three ways, so that the check stays quick; the terminal is stood in for by the width that
`terminal()` reports, as a real terminal's would be.
"""

from __future__ import annotations

import importlib
import re
import warnings

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from conftest import SAMPLE_CONFIG, TELCO

TELCO_CONFIG = TELCO.parents[2] / "telco.yaml"
COMMANDS = [
    ("report",),
    ("report", "--compare", "previous", "--ci", "--min-n", "30"),
    ("report", "--layout", "wide", "--compare", "previous"),
    ("cohorts",),
    ("customers", "--top", "8"),
    ("customers", "--at-risk", "--top", "5", "--by", "segment,region"),
    ("customers", "--at-risk", "--as-of", "2024-12-31", "--horizon", "6m", "--backtest"),
    ("drivers", "-c", str(TELCO_CONFIG)),
    ("compare", "--by", "segment"),
    ("compare", "--plan", "--metric", "churn_rate", "--baseline", "0.05", "--mde", "0.01"),
    ("metrics",),
    ("metrics", "nps"),
    ("validate",),
    ("check", "-v"),
    ("explain", "churn_rate", "--period", "2025-03", "--segment", "segment=SMB"),
]
WIDTHS = (80, 100, None)  # None: a pipe
BOX = re.compile("[\u2500-\u257f]")
# "…" joins an interval's bounds (95.8…100.0%); Rich's cut puts it at a cell's end instead.
CUT = re.compile("…(?![-+−\\d])")


@pytest.fixture(scope="module")
def printed():
    """{(command, width): stdout} for every command at every width."""
    from crmctl.cli import app
    from crmctl.commands import common

    modules = [importlib.import_module(f"crmctl.commands.{name}") for name in
               ("report", "cohorts", "customers", "drivers", "compare", "catalogue", "validate", "check",
                "explain")]
    memo, key = {}, {}

    def once(work):
        if key["now"] not in memo:
            memo[key["now"]] = work()
        return memo[key["now"]]

    patch = pytest.MonkeyPatch()
    out = {}
    try:
        patch.setenv("CRMCTL_CONFIG", str(SAMPLE_CONFIG))
        for module in modules:
            if hasattr(module, "with_progress"):
                patch.setattr(module, "with_progress", once)
        for command in COMMANDS:
            key["now"] = command
            for width in WIDTHS:
                for module in [*modules, common]:
                    if hasattr(module, "terminal"):
                        patch.setattr(module, "terminal", lambda w=width: (False, w))
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    result = CliRunner().invoke(app, list(command), catch_exceptions=False)
                assert result.exit_code in (0, 1), (command, result.stderr)  # check: 1 when a target is missed
                out[command, width] = result.stdout
                out.setdefault((command, "warnings"), []).extend(  # computed at the first width only
                    f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in caught)
    finally:
        patch.undo()
    return out


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("width", [80, 100])
def test_fits_the_terminal_and_cuts_no_number(printed, command, width):
    text = printed[command, width]
    too_wide = [line for line in text.splitlines() if cell_len(line) > width]
    assert not too_wide, too_wide[:3]
    cut = [line for line in text.splitlines() if CUT.search(line)]
    assert not cut, cut[:3]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_pipe_gets_plain_text_with_every_value(printed, command):
    text = printed[command, None]
    assert text.strip()
    boxed = [line for line in text.splitlines() if BOX.search(line)]
    assert not boxed, boxed[:3]
    assert not CUT.search(text)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_no_python_warning_is_raised_to_leak_onto_stderr(printed, command):
    # numpy's RuntimeWarning from models/bgnbd.py once leaked with its source path (the README's backtest)
    assert printed[command, "warnings"] == []


def test_the_cohort_triangle_at_80_columns_shows_whole_values_and_says_what_it_left_out(printed):
    text = printed[("cohorts",), 80]
    assert "2024-01         15  100.0%   93.3%  93.3%  86.7%" in text  # the sample's first cohort
    assert "periods 8–17 not shown for width" in text
    assert printed[("cohorts",), None].splitlines()[3].endswith("66.7%")  # a pipe keeps all 18 periods


def test_compare_at_80_columns_keeps_the_lift_and_its_p_value_whole(printed):
    text = printed[("compare", "--by", "segment"), 80]
    assert re.search(r"Mid-Market +1,716\.33 +-6,855\.02 +<0\.001 ▼", text)
    assert "(left out for width: n, interval, rel. lift;" in text


def test_report_compare_on_a_terminal_shows_each_periods_change(printed):
    text = printed[("report", "--compare", "previous", "--ci", "--min-n", "30"), 100]
    assert re.search(r"│   change +│", text)
    assert "— n < 30: hidden by --min-n" in text

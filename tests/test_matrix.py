"""Every command × period × --by × format, on dated and on snapshot data: an exit code, never a traceback.

The class of bug this guards against: code that assumes a window of dates (a snapshot export has none)
or a period grid (`--period all` has one period). Reports are computed once per (data, period, by)
and rendered in every format through the real command line.
"""

from __future__ import annotations

import functools
import shutil

import pytest
from typer.testing import CliRunner

from conftest import ROOT, TELCO

PERIODS = ("day", "week", "month", "quarter", "year", "all")
FORMATS = ("table", "csv", "json", "markdown")
OK = (0, 1)  # 1: a target missed (check)


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    """A small generated export set mapped by config.example.yaml, and a slice of the Telco snapshot."""
    import sys

    sys.path.insert(0, str(ROOT / "sample_data"))
    from generate import generate

    dated = tmp_path_factory.mktemp("dated")
    generate(dated / "sample_data", n_customers=40, seed=7)
    shutil.copy(ROOT / "config.example.yaml", dated / "crmctl.yaml")
    snapshot = tmp_path_factory.mktemp("snapshot")
    lines = TELCO.read_text().splitlines(keepends=True)
    (snapshot / "telco.csv").write_text("".join(lines[:300]))
    config = (ROOT / "examples" / "telco.yaml").read_text().replace("data/telco/Telco-Customer-Churn.csv", "telco.csv")
    config = config.replace("  by: [contract]\n", "")
    (snapshot / "crmctl.yaml").write_text(config + "targets: {churn_rate: {max: 0.2}}\n")
    return {"dated": (dated / "crmctl.yaml", "segment"), "snapshot": (snapshot / "crmctl.yaml", "contract")}


def _once(build):
    """`build(config, spec)` computed once per (config file, spec): formats differ only in rendering."""
    configs = {}
    cached = functools.lru_cache(maxsize=None)(
        lambda path, spec, options: build(configs[path], spec, **dict(options)))

    def build_once(config, spec=None, **options):  # options: keywords such as build_cohorts' `project`
        configs[str(config.path)] = config
        return cached(str(config.path), spec or config.report, tuple(sorted(options.items())))

    return build_once


@pytest.fixture(scope="module")
def run(datasets):
    import crmctl.cohorts.build
    import crmctl.report.build
    from crmctl.cli import app

    originals = crmctl.report.build.build_report, crmctl.cohorts.build.build_cohorts
    crmctl.report.build.build_report, crmctl.cohorts.build.build_cohorts = (_once(f) for f in originals)
    runner = CliRunner()

    def invoke(data: str, *args: str):
        config, _ = datasets[data]
        result = runner.invoke(app, [*args, "-c", str(config)], catch_exceptions=True)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{data}: crmctl {' '.join(args)} raised {result.exception!r}")
        assert "Traceback" not in result.output + result.stderr
        return result

    yield invoke
    crmctl.report.build.build_report, crmctl.cohorts.build.build_cohorts = originals


@pytest.mark.parametrize("data", ["dated", "snapshot"])
@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("split", [False, True])
def test_report_and_cohorts(run, datasets, data, period, split):
    by = ["--by", datasets[data][1]] if split else []
    window = ["--last", "2m"] if period == "day" else []  # 18 months of days cost 10 s and add no case
    for fmt in FORMATS:
        result = run(data, "report", "-m", "all", "-p", period, *by, *window, "-f", fmt)
        assert result.exit_code == 0, result.stderr
        assert result.stdout.strip(), f"report -p {period} {by} -f {fmt}: no output"
        result = run(data, "cohorts", "-p", period, *by, "-f", fmt)
        assert result.exit_code in (0, 2, 3, 4), result.stderr  # a snapshot has no cohorts: a clear error
        if result.exit_code:
            assert result.stderr.startswith("crmctl: "), result.stderr


@pytest.mark.parametrize("data", ["dated", "snapshot"])
@pytest.mark.parametrize("period", PERIODS)
def test_explain_and_check(run, datasets, data, period):
    metric, dim = ("revenue", "segment=SMB") if data == "dated" else ("churn_rate", "contract=Month-to-month")
    for args in ([], ["--segment", dim]):
        for fmt in ("table", "json"):
            result = run(data, "explain", metric, "--every", period, *args, "-f", fmt)
            assert result.exit_code == 0, result.stderr
    for fmt in ("text", "json"):
        assert run(data, "check", "-f", fmt).exit_code in OK


@pytest.mark.parametrize("data", ["dated", "snapshot"])
def test_validate_and_metrics(run, data):
    for fmt in FORMATS:  # validate's three tables are no one CSV: refused (exit 2)
        assert run(data, "validate", "-f", fmt).exit_code in ((2,) if fmt == "csv" else (0, 4))
        assert run(data, "metrics", "-f", fmt).exit_code == 0


def test_snapshot_computes_data_quality_in_its_one_timeless_period(run):
    rows = __import__("json").loads(run("snapshot", "report", "-m", "all", "-p", "all", "-f", "json").stdout)["rows"]
    values = {r["metric"]: r for r in rows}
    assert values["churn_rate"]["period_start"] is None
    assert values["data_completeness"]["value"] is not None and values["data_completeness"]["period_start"] is None

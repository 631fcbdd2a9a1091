"""Docs stay true: generated pages are fresh, every key is documented, README matches CI."""

from __future__ import annotations

import re

from conftest import ROOT

from crmctl import config as cfg
from crmctl.docgen import cli_markdown, metrics_markdown
from crmctl.config.definitions import KNOBS
from crmctl.metrics.catalogue import METRICS


def test_generated_docs_are_fresh():
    hint = "run `python -m crmctl.docgen`"
    assert (ROOT / "docs" / "metrics.md").read_text() == metrics_markdown(), hint
    assert (ROOT / "docs" / "cli.md").read_text() == cli_markdown(), hint


def test_every_metric_is_documented():
    text = (ROOT / "docs" / "metrics.md").read_text()
    for metric in METRICS:
        assert f"### `{metric.name}`" in text and metric.description in text


def test_every_config_key_is_documented():
    text = (ROOT / "docs" / "config.md").read_text()
    from crmctl.config.source import SOURCE_KEYS

    keys = {*cfg.TOP_KEYS, *cfg.DATASET_KEYS, *SOURCE_KEYS, *cfg.COLUMN_KEYS, *cfg.REPORT_KEYS, *cfg.TARGET_KEYS, *KNOBS}
    missing = [k for k in keys if f"`{k}`" not in text]
    assert missing == []


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```sh\n(python3 -m venv .*)\n```", readme)
    assert len(commands) == 2 and commands[0].endswith("crmctl report")
    assert commands[1] in (ROOT / ".ci" / "run").read_text()

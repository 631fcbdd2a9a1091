"""The metric registry: names unique, declarations complete, and every metric runs on the sample data."""

from __future__ import annotations

import polars as pl
import pytest

from crmctl.config import bundled_config, load_config
from crmctl.domain.datasets import CANONICAL
from crmctl.metrics.catalogue import METRICS
from crmctl.metrics.metric import UNITS
from crmctl.report.build import build_report, with_overrides


def test_names_are_unique_and_declarations_complete():
    names = [m.name for m in METRICS]
    assert len(names) == len(set(names))
    for metric in METRICS:
        assert metric.unit in UNITS and metric.title and metric.description.endswith("."), metric.name
        assert metric.kind in ("ratio", "total"), metric.name
        assert metric.kind == "total" or metric.denominator, f"{metric.name}: a ratio names its denominator"
        assert metric.plan or metric.derive, metric.name


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.name)
def test_requirements_name_canonical_fields(metric):
    for item in (*metric.requires, *metric.optional):
        dataset, fields = item.split(".")
        if dataset in ("activity", "quality", "report"):
            assert item in ("activity.dated", "activity.any", "quality.rows", "report.by")
            continue
        assert dataset in CANONICAL, item
        for field in fields.split("|"):
            assert field in CANONICAL[dataset].fields, item


SEGMENTED = tuple(m.name for m in METRICS if "report.by" in m.requires)


@pytest.fixture(scope="module")
def sample_report():
    """Every metric over the sample by quarter: those comparing segments by segment, the rest overall."""
    config = load_config(bundled_config())
    overall = with_overrides(config.report, metrics=tuple(m.name for m in METRICS if m.name not in SEGMENTED),
                             by=(), period="quarter")
    segmented = with_overrides(overall, metrics=SEGMENTED, by=("segment",))
    return build_report(config, overall), build_report(config, segmented)


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.name)
def test_every_metric_computes_on_the_sample_data(sample_report, metric):
    report = sample_report[1] if metric.name in SEGMENTED else sample_report[0]
    assert report.unavailable == {}
    rows = report.rows.filter(pl.col("metric") == metric.name).unique("period_start")
    assert rows.height == 6  # six quarters of sample data
    assert rows["value"].drop_nulls().len() > 0, f"{metric.name} is null in every quarter"

"""Metrics that declare aggregations share one group_by per dataset and time field: the rows must be
those each metric gives alone (its own group_by), on the bundled sample data, with --ci and --by."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from crmctl.config import load_config
from crmctl.config.files import bundled_config
from crmctl.context.declarations import Declarations
from crmctl.report.build import build_report, with_overrides

SHARED = ("revenue", "orders", "average_order_value", "ticket_volume", "first_contact_resolution",
          "avg_resolution_time", "median_resolution_time", "p90_resolution_time", "first_response_time",
          "reopen_rate", "csat", "nps", "nps_promoters", "nps_passives", "nps_detractors", "ces")


@pytest.mark.parametrize("by", [(), ("segment",)])
def test_shared_group_by_gives_each_metrics_rows(by):
    config = load_config(bundled_config())
    spec = with_overrides(config.report, metrics=SHARED, period="month", by=by, ci=True, compare="previous")
    together = build_report(config, spec).rows
    assert set(together["metric"]) == set(SHARED)
    for metric in SHARED:
        alone = build_report(config, with_overrides(spec, metrics=(metric,))).rows
        assert_frame_equal(together.filter(pl.col("metric") == metric), alone)


def test_one_name_means_one_aggregation():
    declarations = Declarations(config=None, schemas={})
    declarations.declare("orders", "ordered_at", {"_orders": pl.len()})
    declarations.declare("orders", "ordered_at", {"_orders": pl.len(), "_revenue": pl.col("amount").sum()})
    with pytest.raises(ValueError, match="_revenue"):
        declarations.declare("orders", "ordered_at", {"_revenue": pl.col("amount").mean()})

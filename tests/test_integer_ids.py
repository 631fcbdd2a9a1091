"""Integer customer ids (the sample's) take the integer roads of the segment lookup and of MRR spells;
the report must be the one the string roads give, on the bundled sample data."""

from __future__ import annotations

from polars.testing import assert_frame_equal

import crmctl.context.activity
import crmctl.context.keys
import crmctl.metrics.mrr
import crmctl.metrics.retention
import crmctl.metrics.sales
from crmctl.config import load_config
from crmctl.config.files import bundled_config
from crmctl.report.build import build_report, with_overrides

METRICS = ("revenue", "average_order_value", "nps", "ticket_volume", "engagement_rate", "active_customers",
           "churn_rate", "new_customers", "gross_revenue_churn", "net_revenue_retention", "repeat_purchase_rate",
           "revenue_per_retained_customer")


def test_integer_and_string_roads_agree(monkeypatch):
    config = load_config(bundled_config())
    spec = with_overrides(config.report, metrics=METRICS, period="month", by=("segment",))
    assert crmctl.context.keys.integer_ids(build_report(config, spec).datasets["customers"].frame["customer_id"]) is not None
    integers = build_report(config, spec).rows
    for module in (crmctl.context.keys, crmctl.context.activity, crmctl.metrics.mrr, crmctl.metrics.retention,
                   crmctl.metrics.sales):
        monkeypatch.setattr(module, "integer_ids", lambda ids: None)
    strings = build_report(config, spec).rows
    assert set(integers["metric"]) == set(METRICS)
    assert_frame_equal(integers, strings)

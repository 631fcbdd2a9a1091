"""Requirements are parsed once from a metric's declaration; a config's capabilities say what it can compute."""

import pytest

from crmctl.config import load_config
from crmctl.config.files import bundled_config
from crmctl.domain.requirements import Requirement
from crmctl.metrics.catalogue import registry
from crmctl.report.capabilities import Capabilities


def test_a_requirement_is_a_dataset_and_its_alternatives():
    assert Requirement.parse("orders.amount") == Requirement("orders", ("amount",))
    either = Requirement.parse("tickets.contacts|first_contact_resolved")
    assert either.fields == ("contacts", "first_contact_resolved") and not either.special
    assert Requirement.parse("activity.dated").special
    assert str(either) == "tickets.contacts|first_contact_resolved"
    for bad in ("orders", "orders.", ".amount", "orders.a||b"):
        with pytest.raises(ValueError, match="dataset.field"):
            Requirement.parse(bad)


def test_every_declared_requirement_parses():
    for metric in registry(load_config(bundled_config())).values():
        assert [str(r) for r in metric.requirements] == list(metric.requires)


def test_capabilities_of_a_config_with_orders_only(project):
    config = project.load("""
        datasets:
          orders:
            path: orders.csv
            columns: {order_id: id, customer_id: c, ordered_at: t, amount: a, channel: ch}
    """)
    capabilities = Capabilities.of(config)
    assert capabilities.activity == "transactional"  # no subscriptions or churn dates: the 90-day rule
    assert capabilities.dimensions["orders"] == ("channel",)
    metrics = capabilities.metrics
    assert capabilities.missing(metrics["revenue"]) is None
    assert capabilities.missing(metrics["revenue"], ("channel",)) is None
    assert capabilities.missing(metrics["revenue"], ("segment",)) == (
        "cannot split by segment: not a dimension of orders or of customers linked by customer_id")
    assert capabilities.missing(metrics["nps"]) == "needs the surveys dataset (map it under datasets.surveys)"
    assert capabilities.dataset_of(metrics["churn_rate"]) == "orders"  # the activity model's source

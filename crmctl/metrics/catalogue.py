"""Every metric, in display order. A family module declares its metrics; this lists the families."""

from __future__ import annotations

from crmctl.metrics import (
    data_quality, engagement, financial, operations, pipeline, retention, sales, satisfaction, service,
)
from crmctl.metrics.registry import Metric

METRICS: tuple[Metric, ...] = (
    *satisfaction.METRICS, *retention.METRICS, *sales.METRICS, *pipeline.METRICS, *engagement.METRICS,
    *service.METRICS, *operations.METRICS, *financial.METRICS, *data_quality.METRICS,
)
BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}
METRIC_NAMES: tuple[str, ...] = tuple(BY_NAME)
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(m.family for m in METRICS))


def registry(config) -> dict[str, Metric]:
    """Built-in metrics plus the config's custom_metrics, each custom one after what it uses."""
    from crmctl.custom import custom_metric, names

    found = dict(BY_NAME)
    pending = dict(config.custom_metrics)
    while pending:  # the config check rules out cycles and unknown names, so this terminates
        ready = [n for n, spec in pending.items() if names(spec.node) <= set(found)]
        for name in ready:
            found[name] = custom_metric(pending.pop(name), found)
    return found

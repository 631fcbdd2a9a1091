"""Every metric, in display order. A family module declares its metrics; this lists the families."""

from __future__ import annotations

from crmctl.metrics import (
    data_quality, engagement, financial, mrr, operations, pipeline, retention, sales, satisfaction, service,
)
from crmctl.config import Config
from crmctl.config.custom_metrics import names
from crmctl.errors import ConfigError, did_you_mean
from crmctl.metrics.custom import custom_metric
from crmctl.metrics.metric import Metric

METRICS: tuple[Metric, ...] = (
    *satisfaction.METRICS, *retention.METRICS, *mrr.METRICS, *sales.METRICS, *pipeline.METRICS, *engagement.METRICS,
    *service.METRICS, *operations.METRICS, *financial.METRICS, *data_quality.METRICS,
)
BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}
METRIC_NAMES: tuple[str, ...] = tuple(BY_NAME)
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(m.family for m in METRICS))


def registry(config: Config) -> dict[str, Metric]:
    """Built-in metrics plus the config's custom_metrics, each custom one after what it uses."""
    check_metric_names(config)
    found = dict(BY_NAME)
    pending = dict(config.custom_metrics)
    while pending:  # the checks rule out cycles and unknown names, so this terminates
        ready = [n for n, spec in pending.items() if names(spec.node) <= set(found)]
        for name in ready:
            found[name] = custom_metric(pending.pop(name), found)
    return found


def check_metric_names(config: Config) -> None:
    """Every metric name the config uses (report, targets, benchmarks, custom expressions) is known."""
    known = (*METRIC_NAMES, *config.custom_metrics)
    problems = []
    for name in config.report.metrics:
        if name not in known:
            problems.append(f"report.metrics: unknown metric {name!r}{did_you_mean(str(name), known)}")
    for section, used in (("targets", config.targets), ("benchmarks", config.benchmarks)):
        problems += [f"{section}.{name}: unknown metric{did_you_mean(str(name), known)}" for name in used
                     if name not in known]
    for name, spec in config.custom_metrics.items():
        if name in BY_NAME:
            problems.append(f"custom_metrics.{name}: a built-in metric has this name; choose another")
        problems += [f"custom_metrics.{name}.expression: unknown metric {used!r}{did_you_mean(used, known)}"
                     for used in sorted(names(spec.node) - set(known))]
    family, families = config.report.family, (*FAMILIES, "custom") if config.custom_metrics else FAMILIES
    if family is not None and family not in families:
        problems.append(f"report.family: unknown family {family!r}{did_you_mean(str(family), families)}")
    if problems:
        raise ConfigError(f"{config.path}: {len(problems)} problem{'s' if len(problems) > 1 else ''} in the config",
                          problems)

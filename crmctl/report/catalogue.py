"""The metric catalogue as records, with what a given config can compute."""

from __future__ import annotations

from crmctl.config import Config
from crmctl.errors import UsageError, did_you_mean
from crmctl.report.capabilities import Capabilities

SUMMARY = ["name", "family", "unit", "interval", "computable", "description"]
DETAIL = ["name", "title", "family", "unit", "higher_is_better", "description", "numerator", "denominator",
          "requires", "interval", "computable", "missing"]
# The interval `--ci` gives each metric (Metric.interval), in words; docs/statistics.md, "In reports".
INTERVAL_METHODS = {"wilson": "Wilson", "nps": "trinomial normal", "mean": "Student t",
                    "quantile": "order statistics", None: "none"}


def catalogue_records(config: Config, name: str | None = None) -> tuple[list[str], list[dict]]:
    capabilities = Capabilities.of(config)
    BY_NAME = capabilities.metrics
    if name is not None and name not in BY_NAME:
        raise UsageError(f"unknown metric {name!r}{did_you_mean(name, BY_NAME)}; `crmctl metrics` lists them")
    chosen = [BY_NAME[name]] if name else list(BY_NAME.values())
    records = []
    for metric in chosen:
        missing = capabilities.missing(metric)
        records.append({
            "name": metric.name, "title": metric.title, "family": metric.family, "unit": metric.unit,
            "higher_is_better": metric.higher_is_better, "description": metric.description,
            "numerator": metric.numerator or None, "denominator": metric.denominator or None,
            "requires": list(metric.requires), "interval": INTERVAL_METHODS[metric.interval],
            "computable": missing is None, "missing": missing,
        })
    return (DETAIL if name else SUMMARY), records

"""What one config can compute from, derived once: planning, the catalogue and explain consult it.

The activity model (who is a customer when), the fields each mapped dataset provides, each dataset's
dimensions (what --by can split it by), and the metric registry (built-in and custom metrics).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from crmctl.config import Config
from crmctl.context.activity import SOURCE, activity_model
from crmctl.domain.datasets import CANONICAL
from crmctl.domain.requirements import Requirement
from crmctl.metrics.catalogue import registry
from crmctl.metrics.metric import Metric


@dataclass(frozen=True)
class Capabilities:
    activity: str | None  # the activity model (context/activity.py), None when nothing gives one
    provided: Mapping[str, frozenset[str]]  # mapped dataset -> the canonical fields it provides
    dimensions: Mapping[str, tuple[str, ...]]  # mapped dataset -> its dimensions
    metrics: Mapping[str, Metric]  # built-in and custom, in display order

    @classmethod
    def of(cls, config: Config) -> Capabilities:
        return cls(
            activity=activity_model(config),
            provided=MappingProxyType({name: frozenset(CANONICAL[name].provided(spec.columns))
                                       for name, spec in config.datasets.items()}),
            dimensions=MappingProxyType({name: tuple(config.dimensions(name)) for name in config.datasets}),
            metrics=registry(config),
        )

    def dataset_of(self, metric: Metric) -> str:
        """The dataset whose rows a metric counts; for activity metrics, the activity model's source;
        "quality" for data-quality metrics, which count rows of every dataset."""
        if metric.dataset != "activity":
            return metric.dataset
        return SOURCE.get(self.activity, "customers")

    def missing(self, metric: Metric, by=()) -> str | None:
        """Why `metric` cannot be computed with this config (and --by), or None when it can."""
        for requirement in metric.requirements:
            reason = self._missing_special(requirement, by) if requirement.special else self.missing_field(requirement)
            if reason:
                return reason
        reason = self._cannot_split(metric, by)
        if reason:
            return reason
        for dependency in metric.depends_on:
            reason = self.missing(self.metrics[dependency], by)
            if reason:
                return reason
        return None

    def missing_field(self, requirement: Requirement) -> str | None:
        dataset = requirement.dataset
        if dataset not in self.provided:
            return f"needs the {dataset} dataset (map it under datasets.{dataset})"
        if not self.provided[dataset] & set(requirement.fields):
            return f"needs {dataset}.{' or '.join(requirement.fields)} (map it under datasets.{dataset}.columns)"
        return None

    def _missing_special(self, requirement: Requirement, by) -> str | None:
        if requirement.dataset == "activity":
            if self.activity is None:
                return ("needs customer activity: map subscriptions, orders, or customers with churned_at "
                        "(or a churned status flag)")
            if requirement.fields == ("dated",) and self.activity == "snapshot":
                return "needs dated activity; a snapshot (customers.churned without dates) gives only churn_rate"
            return None
        if requirement.dataset == "report":
            return None if by else "needs segments to compare: add --by (e.g. --by segment)"
        return None if self.provided else "needs at least one mapped dataset"  # quality.rows

    def _cannot_split(self, metric: Metric, by) -> str | None:
        dataset = self.dataset_of(metric)
        if dataset == "quality":
            allowed = ("dataset", "field") if metric.name == "data_completeness" else ("dataset",)
            wrong = [d for d in by if d not in allowed]
            return f"cannot split by {wrong[0]}: data-quality metrics split by {' and '.join(allowed)}" if wrong else None
        for dim in by:
            if dim in self.dimensions.get(dataset, ()):
                continue
            # customer_id, or a key for it, links the dataset to the customers' dimensions
            if dim in self.dimensions.get("customers", ()) and "customer_id" in self.provided.get(dataset, ()):
                continue
            return f"cannot split by {dim}: not a dimension of {dataset} or of customers linked by customer_id"
        return None

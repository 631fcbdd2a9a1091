"""Which metrics a report computes, which datasets and fields it reads, and why others are left out."""

from __future__ import annotations

from dataclasses import dataclass, field

from crmctl.context.activity import model_fields, narrow_source
from crmctl.config import Config, ReportSpec
from crmctl.domain.datasets import CANONICAL
from crmctl.errors import UsageError, did_you_mean
from crmctl.metrics.metric import Metric
from crmctl.report.capabilities import Capabilities


@dataclass
class Plan:
    metrics: list[Metric]  # what the report shows, in order
    all_metrics: list[Metric]  # plus what they depend on, dependencies first
    fields: dict[str, set[str]] = field(default_factory=dict)  # dataset -> fields to read
    customer_dims: tuple[str, ...] = ()
    unavailable: dict[str, str] = field(default_factory=dict)  # metric -> reason
    registry: dict[str, Metric] = field(default_factory=dict)  # built-in and custom metrics by name
    capabilities: Capabilities | None = None  # what the config can compute from
    activity: str | None = None  # the activity model, when a selected metric needs one
    quality: bool = False  # data-quality metrics: read every mapped field with per-row quality


def select_metrics(spec: ReportSpec, known: dict[str, Metric]) -> tuple[list[Metric], bool]:
    """The metrics asked for, and whether they were named explicitly (then gaps are warned about)."""
    if tuple(spec.metrics) == ("all",):
        return list(known.values()), False
    if spec.metrics:
        unknown = [n for n in spec.metrics if n not in known]
        if unknown:
            raise UsageError(f"unknown metric {unknown[0]!r}{did_you_mean(unknown[0], known)}; "
                             "`crmctl metrics` lists them")
        return [known[n] for n in dict.fromkeys(spec.metrics)], True
    if spec.family:
        chosen = [m for m in known.values() if m.family == spec.family]
        if not chosen:
            families = dict.fromkeys(m.family for m in known.values())
            raise UsageError(f"unknown family {spec.family!r}{did_you_mean(spec.family, families)}")
        return chosen, True
    return list(known.values()), False


def plan_report(config: Config, spec: ReportSpec) -> Plan:
    capabilities = Capabilities.of(config)
    _check_by(capabilities, spec.by)
    known = dict(capabilities.metrics)
    chosen, explicit = select_metrics(spec, known)
    plan = Plan([], [], registry=known, capabilities=capabilities)
    for metric in chosen:
        reason = capabilities.missing(metric, spec.by)
        if reason:
            plan.unavailable[metric.name] = reason
        else:
            plan.metrics.append(metric)
    plan.all_metrics = _with_dependencies(plan.metrics, known)
    customer_dims = set(capabilities.dimensions.get("customers", ()))
    used_customer_dims = set()
    for metric in plan.all_metrics:
        needed = {d: f for d, f in metric.fields.items() if d != "activity"}
        if "activity" in metric.fields:
            plan.activity = capabilities.activity
            needed = {**model_fields(config, plan.activity), **needed}
        if "quality" in metric.fields:
            plan.quality = True
            needed = {**{name: set(spec.columns) for name, spec in config.datasets.items()}, **needed}
        needed = {d: f for d, f in needed.items() if d not in ("quality", "report")}
        for dataset, fields in needed.items():
            plan.fields.setdefault(dataset, set()).update(fields)
        dataset = capabilities.dataset_of(metric)
        if dataset == "quality":
            continue
        own = set(capabilities.dimensions.get(dataset, ()))
        plan.fields.setdefault(dataset, set()).update(d for d in spec.by if d in own)
        joined = {d for d in spec.by if d not in own and d in customer_dims}
        if joined:
            plan.fields[dataset].add("customer_id")
            used_customer_dims |= joined
    if used_customer_dims:
        plan.fields.setdefault("customers", set()).update({"customer_id", *used_customer_dims})
    plan.customer_dims = tuple(sorted(used_customer_dims))
    return plan


def _with_dependencies(metrics: list[Metric], known: dict[str, Metric]) -> list[Metric]:
    ordered: dict[str, Metric] = {}

    def visit(metric: Metric) -> None:
        for dependency in metric.depends_on:
            visit(known[dependency])
        ordered.setdefault(metric.name, metric)

    for metric in metrics:
        visit(metric)
    return list(ordered.values())


def _check_by(capabilities: Capabilities, by) -> None:
    known = {d for dims in capabilities.dimensions.values() for d in dims} | {"dataset", "field"}
    for dim in by:
        if dim not in known:
            listing = ", ".join(sorted(known)) or "none mapped"
            raise UsageError(f"--by {dim}: not a mapped dimension{did_you_mean(dim, known)} (dimensions: {listing})")


def aggregable(config: Config, spec: ReportSpec, plan: Plan) -> set[str]:
    """Datasets the aggregated road may read (read/aggregate.py): those counted by period alone, so that no
    rows need be held. Never for what needs exact unrounded statistics of the held road's summation order
    (--ci, --compare), nor the whole window as one period (bucketing needs the window, which needs every
    dataset read), nor data-quality metrics, wide survey exports, or datasets naming customers by another key."""
    from crmctl.read.identity import alternates

    if spec.period == "all" or spec.ci or spec.compare or plan.quality:
        return set()
    found = set()
    for name in counted_by_period(config, plan, narrow_source(plan.activity)):
        dataset = config.datasets[name]
        wide = CANONICAL[name].wide and set(CANONICAL[name].wide) & set(dataset.columns)
        if not wide and not alternates(dataset) and "customer_id" in dataset.columns:
            found.add(name)
    return found


def counted_by_period(config: Config, plan: Plan, narrow: str | None = None) -> set[str]:
    """Datasets whose every selected reader declares its group_by by period (`aggregates`) or derives from
    other metrics' results: the report needs their rows only per period, never the customers (everyone's
    segment) nor what the activity model reads (a spell runs across periods). `narrow`: the dataset the
    aggregated road brings the model's few fields of beside its group_by (context/activity.narrow_source),
    counted by period all the same when the model's metrics read only the spells."""
    rows_needed = {"customers"}
    if plan.activity:
        rows_needed |= set(model_fields(config, plan.activity)) - {narrow}
    found = set()
    for name in set(plan.fields) - rows_needed:
        readers = [m for m in plan.all_metrics if name in m.fields or (plan.capabilities.dataset_of(m) == name
                   and not (name == narrow and set(m.fields) == {"activity"}))]
        if readers and all(m.aggregates or (m.derive and not m.plan) for m in readers):
            found.add(name)
    return found

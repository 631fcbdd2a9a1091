"""Churn drivers: what the customers who churned had in common, one attribute at a time (issue 14).

Population: with dated activity, the customers active at the window's start (the churn_rate base,
metrics.retention.starting_base over one `all` period); churned = their spell ended inside the window.
With a snapshot export (a churned flag, no dates), every flagged customer, churned = the flag.
Attributes (attributes.py) are split into values; per value: n, churned, churn rate, its Wilson
interval and lift = rate ÷ overall rate. Attributes are ranked by Cramér's V of the value × churned
table, with the chi-square test's p-value. docs/drivers.md defines every number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import ClassVar

import polars as pl

from crmctl.version import __version__
from crmctl.config import Config, ReportSpec
from crmctl.domain.timeline import midnight
from crmctl.drivers.attributes import attribute_columns, extra_datasets
from crmctl.drivers.separation import nps_verdict, separation, value_rows
from crmctl.errors import UsageError
from crmctl.report.build import prepare, with_overrides

DEFAULT_LAST = "12m"
ALPHA = 0.05  # an attribute separates churners when its Holm-adjusted p-value is below this
# V this high means the attribute all but restates churn: a status column derived from it ("Former
# customer"), not a driver; the output says so rather than rank it as the strongest finding.
NEAR_CHURN = 0.9


@dataclass
class DriversResult:
    overall: dict
    attributes: list[dict]
    nps: dict | None
    meta: dict = field(default_factory=dict)
    view: ClassVar[str] = "drivers"


def build_drivers(config: Config, spec: ReportSpec) -> DriversResult:
    population, start, ctx = churn_population(config, spec)
    extras = extra_datasets(config, ctx)
    table, orders = attribute_columns(config, population, start, extras, ctx.knob("nps_scale"))
    churned = table["churned"].sum() if table.height else 0
    overall = {"n": table.height, "churned": int(churned), "rate": churned / table.height if table.height else None}
    attributes = [summarise(table, name, overall["rate"], orders.get(name)) for name in table.columns
                  if name not in ("customer_id", "churned")]
    attributes.sort(key=lambda a: (a["measure"] is None, -(a["measure"] or 0.0), a["name"]))
    significant = _judge(attributes)
    nps = nps_verdict(next((a for a in attributes if a["name"] == "nps_category"), None))
    meta = {
        "config": str(config.path), "activity_model": ctx.activity,
        "window": {"from": ctx.window.start.isoformat(), "to": ctx.window.end.isoformat()} if ctx.window else None,
        "population": "active at the window's start" if ctx.window else "every customer in the snapshot",
        "measure": "cramers_v", "alpha": ALPHA, "correction": "holm", "significant": significant,
        "near_churn": [a["name"] for a in attributes if (a["measure"] or 0.0) >= NEAR_CHURN],
        "tested": sum(a["p_value"] is not None for a in attributes),
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "crmctl_version": __version__,
    }
    return DriversResult(overall, attributes, nps, meta)


def _judge(attributes: list[dict]) -> int:
    """Holm-adjusted p-values across the attributes (testing ten at 5% each makes a false alarm likely), and
    whether each separates churners at ALPHA; returns how many do."""
    from crmctl.stats import holm

    tested = [a for a in attributes if a["p_value"] is not None]
    adjusted = holm([a["p_value"] for a in tested]) if tested else []
    for a, p in zip(tested, [adjusted] if isinstance(adjusted, float) else adjusted):
        a["p_adjusted"], a["significant"] = float(p), bool(p < ALPHA)
    for a in attributes:
        a.setdefault("p_adjusted", None)
        a.setdefault("significant", None)
    return sum(bool(a["significant"]) for a in attributes)


def churn_population(config: Config, spec: ReportSpec):
    """customer_id, churned (bool), acquired (first activity, null in a snapshot); the window's first
    instant (None for a snapshot); and the report context."""
    last = DEFAULT_LAST if spec.start is None and spec.last is None else spec.last
    spec = with_overrides(spec, metrics=("churn_rate",), family=None, period="all", by=(), last=last)
    ctx, plan = prepare(config, spec)
    if "churn_rate" in plan.unavailable:
        raise UsageError(f"drivers need churn: {plan.unavailable['churn_rate']}")
    if ctx.activity == "snapshot":
        customers = ctx.datasets["customers"].frame.unique("customer_id", keep="last")
        frame = customers.filter(pl.col("churned").is_not_null()).select(
            "customer_id", "churned", acquired=pl.lit(None, pl.Datetime("us")))
        return frame, None, ctx
    if ctx.window is None:
        raise UsageError("drivers: the data has no dated activity to find who was active at the window's start")
    from crmctl.metrics.retention import customer_spells, starting_base

    base = starting_base(ctx).group_by("customer_id").agg(churned=pl.col("_churned").any())
    acquired = customer_spells(ctx).group_by("customer_id").agg(acquired=pl.col("start").min())
    frame = base.join(acquired, on="customer_id", how="left").collect().sort("customer_id")
    return frame, midnight(ctx.window.start), ctx


def summarise(table: pl.DataFrame, name: str, overall_rate: float | None, order: list[str] | None = None) -> dict:
    """One attribute: its values (most customers first) and how well they separate churners."""
    counts = table.group_by(pl.col(name).alias("value")).agg(
        n=pl.len(), churned=pl.col("churned").sum().cast(pl.Int64)).sort(["n", "value"], descending=[True, False])
    values = value_rows(counts["value"].to_list(), counts["n"].to_list(), counts["churned"].to_list(), overall_rate)
    if order:  # buckets read best in their own order
        rank = {v: i for i, v in enumerate(order)}
        values.sort(key=lambda v: rank.get(v["value"], len(rank)))
    measure, p_value, note = separation(counts["n"].to_list(), counts["churned"].to_list())
    return {"name": name, "measure": measure, "p_value": p_value, "note": note, "values": values}
